"""Ageing buckets at their boundaries, DSO, statement balances, and the daily reminder
scan (idempotent)."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import OrgSettings
from guanxi.sales.receivables import reminders, selectors, services
from guanxi.sales.receivables.tests.helpers import D, make_customer, make_receivable, pay
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 2)
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


def _due(days_overdue):
    return (TODAY - datetime.timedelta(days=days_overdue)).isoformat()


def test_bucket_boundaries():
    assert selectors.bucket_of(-5) == "not_due"
    assert selectors.bucket_of(0) == "not_due"  # due today is not overdue
    assert selectors.bucket_of(1) == "d1_30"
    assert selectors.bucket_of(30) == "d1_30"
    assert selectors.bucket_of(31) == "d31_60"
    assert selectors.bucket_of(60) == "d31_60"
    assert selectors.bucket_of(61) == "d61_90"
    assert selectors.bucket_of(90) == "d61_90"
    assert selectors.bucket_of(91) == "d90_plus"


def test_ageing_puts_each_boundary_day_in_its_bucket(world):
    customer = make_customer(world)
    other = make_customer(world, name="远航科技", owner=world.rep_b)
    amounts = {0: "1", 1: "2", 30: "4", 31: "8", 60: "16", 61: "32", 90: "64", 91: "128"}
    for days, amount in amounts.items():
        make_receivable(world, customer, amount, due=_due(days))
    make_receivable(world, customer, "256", due=_due(-10))
    partly = make_receivable(world, other, "1000", due=_due(45))
    pay(world, other, "400", [(partly, "400")])
    cancelled = make_receivable(world, other, "999", due=_due(45))
    with org_scope(world.org):
        services.receivable_cancel(actor=world.admin, receivable=cancelled)
        result = selectors.ageing(employee=world.admin)
    rows = {row.customer_name: row for row in result.rows}
    row = rows[customer.name]
    assert row.not_due == D("257")  # due today + due in 10 days
    assert row.d1_30 == D("6")
    assert row.d31_60 == D("24")
    assert row.d61_90 == D("96")
    assert row.d90_plus == D("128")
    assert rows["远航科技"].d31_60 == D("600")
    assert result.totals.total == D("511") + D("600")
    # the ageing follows the data scope: rep_a sees their customer only
    with org_scope(world.org):
        mine = selectors.ageing(employee=world.rep_a)
    assert [r.customer_name for r in mine.rows] == [customer.name]


def test_ageing_moves_with_the_calendar(world):
    customer = make_customer(world)
    make_receivable(world, customer, "100", due="2026-11-02")  # 30 days overdue on 12-02
    with org_scope(world.org):
        assert selectors.ageing(employee=world.admin).totals.d1_30 == D("100")
    with (
        time_machine.travel(MORNING + datetime.timedelta(days=1), tick=False),
        org_scope(world.org),
    ):
        assert selectors.ageing(employee=world.admin).totals.d31_60 == D("100")


def test_dso(world):
    customer = make_customer(world)
    with time_machine.travel(MORNING - datetime.timedelta(days=100), tick=False):
        make_receivable(world, customer, "5000", due="2026-09-30")  # booked outside the window
    with time_machine.travel(MORNING - datetime.timedelta(days=30), tick=False):
        first = make_receivable(world, customer, "3000", due="2026-11-30")
    make_receivable(world, customer, "1500", due="2026-12-30")
    pay(world, customer, "3000", [(first, "3000")])
    with org_scope(world.org):
        # outstanding 5000 + 1500 = 6500; credit sales in 90 days 3000 + 1500 = 4500
        assert selectors.customer_dso(employee=world.admin, customer_id=customer.pk) == D("130.0")
        assert selectors.dso_value(D("10"), D("0")) is None
        row = selectors.ageing(employee=world.admin).rows[0]
    assert row.dso == D("130.0")


def test_statement_balances(world):
    customer = make_customer(world)
    with time_machine.travel(MORNING - datetime.timedelta(days=40), tick=False):
        old = make_receivable(world, customer, "1000")  # booked 2026-10-23
    pay(world, customer, "300", [(old, "300")], day="2026-10-30")
    new = make_receivable(world, customer, "500")  # booked 2026-12-02
    pay(world, customer, "700", [(old, "700")], day="2026-12-01")
    voided = pay(world, customer, "50", day="2026-12-02")
    with org_scope(world.org):
        services.payment_void(actor=world.admin, payment=voided)
        statement = selectors.statement(
            employee=world.admin,
            customer=customer,
            start=datetime.date(2026, 11, 1),
            end=datetime.date(2026, 12, 31),
        )
    assert statement.opening == D("700")  # 1000 booked − 300 paid before November
    assert [(line.kind, line.debit, line.credit) for line in statement.lines] == [
        ("payment", 0, D("700")),
        ("receivable", D("500"), 0),
    ]
    assert [line.balance for line in statement.lines] == [D("0"), D("500")]
    assert statement.closing == D("500")
    assert new.code in {line.code for line in statement.lines}


def test_reminder_scan_is_idempotent(world):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(receivable_reminder_days=5)
    customer = make_customer(world)
    soon = make_receivable(world, customer, "100", due="2026-12-07")  # in 5 days
    make_receivable(world, customer, "100", due="2026-12-08")  # in 6 days: not yet
    late = make_receivable(world, customer, "100", due="2026-12-01")  # overdue
    paid = make_receivable(world, customer, "100", due="2026-12-03")
    pay(world, customer, "100", [(paid, "100")])
    assert reminders.scan_receivables_due(org=world.org.pk) == 2
    assert reminders.scan_receivables_due(org=world.org.pk) == 0
    with org_scope(world.org):
        notes = Notification.objects.filter(kind="receivable_due")
        assert {n.recipient_id for n in notes} == {world.rep_a.pk}
        keys = set(notes.values_list("event_key", flat=True))
    assert keys == {f"receivable:{soon.pk}:due", f"receivable:{late.pk}:overdue"}
    # the receivable that was due soon falls overdue: a second, different reminder
    with time_machine.travel(MORNING + datetime.timedelta(days=6), tick=False):
        assert reminders.scan_receivables_due(org=world.org.pk) >= 1
        assert reminders.scan_receivables_due(org=world.org.pk) == 0
    with org_scope(world.org):
        assert Notification.objects.filter(event_key=f"receivable:{soon.pk}:overdue").exists()


def test_daily_task_runs_every_org(world, other_world):
    from guanxi.sales.receivables import tasks

    customer = make_customer(world)
    make_receivable(world, customer, "100", due="2026-12-01")
    result = tasks.receivable_reminders_daily.call_local()
    assert result[world.org.pk] == 1
    assert result[other_world.org.pk] == 0
