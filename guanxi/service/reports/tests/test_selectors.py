"""The service report figures: volume, resolved, backlog, response and resolution hours,
the 24-hour promise, first-contact resolution; by agent, category and month; read through
the tickets' data scope."""

import datetime
from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Role
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.service.reports import selectors
from guanxi.service.reports.selectors import Filters
from guanxi.service.reports.tests.helpers import at, ticket
from guanxi.service.routing.selectors import calendar_cache

pytestmark = pytest.mark.django_db


def summary(employee, filters):
    with org_scope(employee.org):
        return selectors.summary(employee, filters)


def breakdown(employee, filters, by):
    with org_scope(employee.org):
        return selectors.breakdown(employee, filters, by)


H = datetime.timedelta(hours=1)
MARCH = Filters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))


@pytest.fixture
def march(world):
    day = datetime.date(2026, 3, 10)
    agent = world.agent
    with org_scope(world.org):
        colleague = EmployeeFactory(
            org=world.org,
            name="孙八",
            username="agent2",
            department=world.service,
            roles=list(agent.roles.all()),
        )
    tickets = {
        # resolved at the first contact: one reply, never reopened
        "fcr": ticket(world, created=at(day), assignee=agent, status="closed",
                      responded_after=2 * H, resolved_after=4 * H, replies=1),
        # resolved after two replies: not at the first contact
        "two_replies": ticket(world, created=at(day), assignee=agent, status="resolved",
                              responded_after=30 * H, resolved_after=50 * H, replies=2,
                              category="complaint"),
        # reopened once: not at the first contact either
        "reopened": ticket(world, created=at(day, 14), assignee=colleague, status="resolved",
                           responded_after=1 * H, resolved_after=6 * H, replies=1, reopened=1),
        # still open, no response yet
        "open": ticket(world, created=at(datetime.date(2026, 3, 20)), assignee=colleague,
                       status="assigned", category="complaint"),
        # created in February and still open: backlog, not volume
        "old_open": ticket(world, created=at(datetime.date(2026, 2, 5)), assignee=agent,
                           status="in_progress", responded_after=1 * H),
        # created in February and closed: neither
        "old_closed": ticket(world, created=at(datetime.date(2026, 2, 6)), assignee=agent,
                             status="closed", responded_after=H, resolved_after=2 * H),
        # April: after the period
        "april": ticket(world, created=at(datetime.date(2026, 4, 2)), assignee=agent),
    }  # fmt: skip
    return tickets, colleague


def test_summary_counts_the_period_and_the_backlog(world, march):
    figures = summary(world.admin, MARCH)
    assert figures["volume"] == 4
    assert figures["complaints"] == 2
    assert figures["resolved"] == 3
    assert figures["backlog"] == 2  # March's open one and February's
    assert figures["resolution_rate"] == Decimal("75.0")
    # (2 + 30 + 1) / 3 hours; two of three first replies within 24 hours
    assert figures["first_response_hours"] == Decimal("11.0")
    assert figures["within_promise_rate"] == Decimal("66.7")
    assert figures["resolution_hours"] == Decimal("20.0")  # (4 + 50 + 6) / 3
    assert figures["fcr_rate"] == Decimal("33.3")  # one of three resolved


def test_breakdown_by_agent_category_and_month(world, march):
    _tickets, colleague = march
    by_agent = {row["label"]: row for row in breakdown(world.admin, MARCH, "assignee")["rows"]}
    assert set(by_agent) == {world.agent.name, colleague.name}
    assert by_agent[world.agent.name]["volume"] == 2
    assert by_agent[world.agent.name]["backlog"] == 1  # February's open ticket
    assert by_agent[world.agent.name]["fcr_rate"] == Decimal("50.0")
    assert by_agent[colleague.name]["volume"] == 2
    assert by_agent[colleague.name]["resolved"] == 1

    by_category = {row["key"]: row for row in breakdown(world.admin, MARCH, "category")["rows"]}
    assert by_category["complaint"]["label"] == "投诉"
    assert by_category["complaint"]["volume"] == 2
    assert by_category["repair"]["volume"] == 2

    months = breakdown(
        world.admin,
        Filters(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 4, 30)),
        "month",
    )["rows"]
    assert [(row["label"], row["volume"]) for row in months] == [
        ("2026-02", 2), ("2026-03", 4), ("2026-04", 1),
    ]  # fmt: skip


def test_filters_narrow_every_figure(world, march):
    _tickets, colleague = march
    only = Filters(start=MARCH.start, end=MARCH.end, assignee=colleague, category="complaint")
    figures = summary(world.admin, only)
    assert (figures["volume"], figures["resolved"], figures["backlog"]) == (1, 0, 1)
    assert figures["first_response_hours"] is None


def test_the_tickets_data_scope_applies(world, march):
    _tickets, colleague = march
    with org_scope(world.org):
        role = Role.objects.create(
            org=world.org,
            name="只看自己的客服",
            permissions=["tickets.view", "reports.view"],
            data_scopes={"tickets": {"scope": "own", "departments": []}},
        )
        colleague.roles.set([role])
    assert summary(colleague, MARCH)["volume"] == 2
    # without tickets.view the report counts nothing
    assert summary(world.manager, MARCH)["volume"] == 0


def test_other_orgs_tickets_never_count(world, other_world, march):
    ticket(other_world, created=at(datetime.date(2026, 3, 11)), assignee=other_world.agent)
    assert summary(world.admin, MARCH)["volume"] == 4
    assert summary(other_world.admin, MARCH)["volume"] == 1


def test_queries_do_not_grow_with_tickets(world, march, django_assert_max_num_queries):
    """A fixed number of queries: the aggregate, the working-hours rows and the work
    calendar (settings and days, read once inside ``calendar_cache``)."""
    with calendar_cache(), django_assert_max_num_queries(6):
        summary(world.admin, MARCH)
    with calendar_cache(), django_assert_max_num_queries(6):
        breakdown(world.admin, MARCH, "category")
    for _ in range(5):
        ticket(world, created=at(datetime.date(2026, 3, 12)), assignee=world.agent, replies=2)
    with calendar_cache(), django_assert_max_num_queries(6):
        assert summary(world.admin, MARCH)["volume"] == 9
        breakdown(world.admin, MARCH, "assignee")


def test_sla_attainment_and_satisfaction(world, march):
    from django.utils import timezone

    from guanxi.service.routing.models import TicketClock
    from guanxi.service.routing.tests.helpers import sla
    from guanxi.service.tickets.models import TicketSurvey

    tickets, _colleague = march
    sla(world, "普通", first_response_minutes=60, resolution_minutes=480, business_hours=False)
    with org_scope(world.org):
        from guanxi.service.routing import services as routing

        for key in ("fcr", "two_replies", "reopened", "open"):
            routing.sla_start(ticket=tickets[key])
        now = timezone.now()
        # three stopped clocks, one of them breached; the open ticket's clock still runs
        TicketClock.objects.filter(ticket__in=[tickets["fcr"], tickets["reopened"]]).update(
            stopped_at=now
        )
        TicketClock.objects.filter(ticket=tickets["two_replies"]).update(
            stopped_at=now, resolution_breached_at=now
        )
        # latest answered score per ticket: 5 and (2, then 4 after reopening) → 4.5
        for ticket, closure, score in (
            (tickets["fcr"], 1, 5),
            (tickets["reopened"], 1, 2),
            (tickets["reopened"], 2, 4),
            (tickets["two_replies"], 1, None),  # asked, not answered
        ):
            TicketSurvey.objects.create(
                org=world.org, ticket=ticket, closure=closure, score=score, agent=world.agent
            )
    figures = summary(world.admin, MARCH)
    assert figures["sla_rate"] == Decimal("66.7")
    assert figures["satisfaction"] == Decimal("4.5")
    assert figures["surveys"] == 2
    rows = {row["label"]: row for row in breakdown(world.admin, MARCH, "assignee")["rows"]}
    assert rows[world.agent.name]["sla_rate"] == Decimal("50.0")
    assert rows[world.agent.name]["satisfaction"] == Decimal("5.0")
