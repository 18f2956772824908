"""SLA clocks: which promise applies, due times in working hours, pausing while waiting
for the customer, stopping and reopening, the first response, and the every-minute scan
(warnings and breaches notified once, escalation once per level, priority raised)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.routing import selectors, services
from guanxi.service.routing.models import TicketClock
from guanxi.service.routing.tests.helpers import agent, sla, ticket, work_week
from guanxi.service.tickets.models import Ticket
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    """2026-12-<day> <hour>:<minute> in Shanghai (the 7th is a Monday)."""
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SH)


@pytest.fixture
def office(world):
    work_week(world)
    return world


def started(world, when, **fields):
    """A ticket created ``when`` with its clock started."""
    with time_machine.travel(when, tick=False):
        made = ticket(world, **fields)
        with org_scope(world.org):
            clock = services.sla_start(ticket=made)
    return made, clock


def test_the_most_specific_policy_applies(office):
    sla(office, "任意", first_response_minutes=600, resolution_minutes=6000)
    sla(office, "紧急", priority="urgent", first_response_minutes=30, resolution_minutes=240)
    sla(
        office,
        "重点紧急",
        priority="urgent",
        customer_level="key",
        first_response_minutes=15,
        resolution_minutes=120,
    )
    vip = h.customer(office, name="重点客户公司", owner=office.admin, level="key")
    _t, clock = started(office, at(7, 10), priority="urgent", client=vip)
    assert clock.label == "重点紧急"
    _t, clock = started(office, at(7, 10), priority="urgent")
    assert clock.label == "紧急"
    _t, clock = started(office, at(7, 10), priority="low")
    assert clock.label == "任意"


def test_no_matching_policy_means_no_clock(office):
    sla(office, "紧急", priority="urgent")
    _t, clock = started(office, at(7, 10), priority="low")
    assert clock is None


def test_a_contract_promise_beats_the_policies(office):
    sla(office, "任意", first_response_minutes=600, resolution_minutes=6000)
    with time_machine.travel(at(7, 10), tick=False):
        made = ticket(office)
        with org_scope(office.org):
            clock = services.sla_start(ticket=made, override=(30, 120, "金牌服务合同"))
    assert clock.label == "金牌服务合同" and clock.policy_id is None
    assert clock.first_response_due_at == at(7, 10, 30)
    assert clock.resolution_due_at == at(7, 12)


def test_a_bad_contract_promise_is_refused(office):
    made = ticket(office)
    with org_scope(office.org), pytest.raises(ValidationError):
        services.sla_start(ticket=made, override=(0, 120, "坏合同"))


def test_due_times_count_working_hours_only(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=3 * 9 * 60)
    _t, clock = started(office, at(11, 17, 30))  # Friday evening
    assert clock.first_response_due_at == at(14, 9, 30)
    assert clock.resolution_due_at == at(16, 17, 30)


def test_round_the_clock_policies_count_calendar_time(office):
    sla(office, "紧急", business_hours=False, first_response_minutes=30, resolution_minutes=240)
    _t, clock = started(office, at(12, 23))  # Saturday night
    assert clock.first_response_due_at == at(12, 23, 30)
    assert clock.resolution_due_at == at(13, 3)


def test_waiting_for_the_customer_pauses_and_moves_the_due_times(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=540)
    made, clock = started(office, at(7, 9))
    with org_scope(office.org):
        services.sla_on_first_response(ticket=made, at=at(7, 9, 20))
        paused = services.sla_on_status(ticket=made, old="in_progress", new="waiting", at=at(7, 10))
        assert paused.paused_at == at(7, 10)
        # waited from Monday 10:00 to Tuesday 11:00: 8 + 2 working hours
        resumed = services.sla_on_status(
            ticket=made, old="waiting", new="in_progress", at=at(8, 11)
        )
    assert resumed.paused_at is None
    assert resumed.paused_seconds == 10 * 3600
    assert resumed.resolution_due_at == at(9, 10)  # Monday 18:00 + 10 working hours
    assert resumed.first_response_due_at == clock.first_response_due_at  # already answered


def test_resolving_stops_and_reopening_restarts_the_resolution_clock(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=120)
    made, _clock = started(office, at(7, 9))
    with org_scope(office.org):
        stopped = services.sla_on_status(
            ticket=made, old="in_progress", new="resolved", at=at(7, 10)
        )
        assert stopped.stopped_at == at(7, 10)
        reopened = services.sla_on_status(
            ticket=made, old="resolved", new="in_progress", at=at(8, 15)
        )
    assert reopened.stopped_at is None
    assert reopened.resolution_due_at == at(8, 17)
    assert reopened.cycle == 2


def test_resolving_while_waiting_closes_the_pause(office):
    sla(office, "普通")
    made, _clock = started(office, at(7, 9))
    with org_scope(office.org):
        services.sla_on_status(ticket=made, old="assigned", new="waiting", at=at(7, 10))
        done = services.sla_on_status(ticket=made, old="waiting", new="closed", at=at(7, 12))
    assert done.paused_at is None and done.paused_seconds == 7200 and done.stopped_at == at(7, 12)


def test_a_late_first_response_counts_as_breached(office):
    sla(office, "普通", first_response_minutes=30)
    made, _clock = started(office, at(7, 9))
    with org_scope(office.org):
        clock = services.sla_on_first_response(ticket=made, at=at(7, 10))
        again = services.sla_on_first_response(ticket=made, at=at(7, 11))
    assert clock.first_response_breached_at == at(7, 10)
    assert again.first_response_at == at(7, 10)


def test_status_changes_without_a_clock_do_nothing(office):
    made = ticket(office)
    with org_scope(office.org):
        assert services.sla_on_status(ticket=made, old="new", new="waiting") is None
        assert services.sla_on_first_response(ticket=made) is None


# ---- the scan ------------------------------------------------------------------------------


def _notices(world, employee, kind):
    with org_scope(world.org):
        return list(Notification.objects.filter(recipient=employee, kind=kind))


def _assign(world, made, employee):
    with org_scope(world.org):
        Ticket.objects.filter(pk=made.pk).update(assignee=employee, status="assigned")


def test_the_scan_warns_once_then_notifies_and_escalates_a_breach_once(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=540, warn_value=25)
    worker = agent(office, "周一", manager=office.manager)
    made, _clock = started(office, at(7, 9))
    _assign(office, made, worker)

    assert services.sla_scan(now=at(7, 9, 40))[office.org.pk] == {"warned": 0, "breached": 0}
    services.sla_scan(now=at(7, 9, 50))
    services.sla_scan(now=at(7, 9, 55))
    warnings = _notices(office, worker, "sla_warning")
    assert len(warnings) == 1 and "即将超过首次响应时限" in warnings[0].title

    services.sla_scan(now=at(7, 10, 1))
    services.sla_scan(now=at(7, 10, 2))
    breaches = _notices(office, worker, "sla_breach")
    assert len(breaches) == 1 and "已超过首次响应时限" in breaches[0].title
    escalations = _notices(office, office.manager, "sla_escalation")
    assert len(escalations) == 1 and "第 1 级" in escalations[0].title
    with org_scope(office.org):
        clock = TicketClock.objects.get(ticket=made)
        assert clock.escalation_level == 1 and clock.first_response_breached_at == at(7, 10, 1)
        assert Ticket.objects.get(pk=made.pk).priority == "normal"  # first response: no raise


def test_a_resolution_breach_escalates_a_level_and_raises_the_priority(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=120)
    worker = agent(office, "周一", manager=office.manager)
    made, _clock = started(office, at(7, 9))
    _assign(office, made, worker)
    with org_scope(office.org):
        services.sla_on_first_response(ticket=made, at=at(7, 9, 30))
    services.sla_scan(now=at(7, 11, 5))
    services.sla_scan(now=at(7, 11, 6))
    with org_scope(office.org):
        raised = Ticket.objects.get(pk=made.pk)
        clock = TicketClock.objects.get(ticket=made)
    assert raised.priority == "high" and raised.version == made.version + 1
    assert clock.resolution_breached_at == at(7, 11, 5) and clock.escalation_level == 1
    assert len(_notices(office, worker, "sla_breach")) == 1
    assert len(_notices(office, office.manager, "sla_escalation")) == 1


def test_escalation_to_a_chosen_employee(office):
    sla(
        office,
        "普通",
        first_response_minutes=30,
        escalate_to="employee",
        escalate_employee=office.admin.pk,
    )
    worker = agent(office, "周一", manager=office.manager)
    made, _clock = started(office, at(7, 9))
    _assign(office, made, worker)
    services.sla_scan(now=at(7, 9, 31))
    assert len(_notices(office, office.admin, "sla_escalation")) == 1
    assert not _notices(office, office.manager, "sla_escalation")


def test_paused_and_stopped_clocks_are_not_scanned(office):
    sla(office, "普通", first_response_minutes=30)
    worker = agent(office, "周一", manager=office.manager)
    waiting, _c = started(office, at(7, 9))
    done, _c = started(office, at(7, 9))
    for made in (waiting, done):
        _assign(office, made, worker)
    with org_scope(office.org):
        services.sla_on_status(ticket=waiting, old="assigned", new="waiting", at=at(7, 9, 5))
        services.sla_on_status(ticket=done, old="assigned", new="resolved", at=at(7, 9, 5))
    assert services.sla_scan(now=at(7, 17))[office.org.pk] == {"warned": 0, "breached": 0}


def test_a_reopened_ticket_can_warn_and_breach_again(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=120)
    worker = agent(office, "周一", manager=office.manager)
    made, _c = started(office, at(7, 9))
    _assign(office, made, worker)
    with org_scope(office.org):
        services.sla_on_first_response(ticket=made, at=at(7, 9, 10))
    services.sla_scan(now=at(7, 11, 30))
    with org_scope(office.org):
        services.sla_on_status(ticket=made, old="in_progress", new="resolved", at=at(7, 12))
        services.sla_on_status(ticket=made, old="resolved", new="in_progress", at=at(8, 9))
    services.sla_scan(now=at(8, 11, 30))
    assert len(_notices(office, worker, "sla_breach")) == 2


def test_the_scan_of_one_org_leaves_the_other_alone(office, other_world):
    sla(office, "普通", first_response_minutes=30)
    _made, _c = started(office, at(7, 9))
    result = services.sla_scan(now=at(7, 10))
    assert result[office.org.pk]["breached"] == 1
    assert result[other_world.org.pk] == {"warned": 0, "breached": 0}


# ---- display -------------------------------------------------------------------------------


def test_sla_for_ticket_shows_due_remaining_and_state(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=540)
    made, _c = started(office, at(7, 9))
    with org_scope(office.org):
        shown = selectors.sla_for_ticket(Ticket.objects.get(pk=made.pk), now=at(7, 9, 30))
    assert shown["label"] == "普通"
    assert shown["first_response"]["remaining_seconds"] == 1800
    assert shown["first_response"]["state"] == "ok"
    assert not shown["paused"] and not shown["breached"]
    with org_scope(office.org):
        late = selectors.sla_for_ticket(Ticket.objects.get(pk=made.pk), now=at(7, 10, 30))
        assert late["first_response"]["state"] == "breached" and late["breached"]
        assert selectors.sla_for_ticket(ticket(office)) is None


def test_breaches_near_lists_my_tickets_due_within_the_hour(office):
    sla(office, "普通", first_response_minutes=60, resolution_minutes=540)
    me = agent(office, "周一")
    soon, _c = started(office, at(7, 9))
    later, _c = started(office, at(7, 11))
    someone_elses, _c = started(office, at(7, 9))
    _assign(office, soon, me)
    _assign(office, later, me)
    _assign(office, someone_elses, office.agent)
    with org_scope(office.org):
        rows = selectors.breaches_near(employee=me, within_minutes=60, now=at(7, 9, 30))
    assert [row["ticket"].pk for row in rows] == [soon.pk]
    assert rows[0]["which"] == "first" and rows[0]["remaining_seconds"] == 1800
    with org_scope(office.org):
        assert selectors.breaches_near(employee=office.readonly) == []
