"""The forecast: projection on known series, pipeline buckets (overdue apart), scope,
snapshots (idempotent job), forecast vs actual."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.planning import forecast, selectors, services, tasks
from guanxi.sales.planning.models import ForecastSnapshot
from guanxi.sales.planning.tests import helpers as h

D = Decimal
TODAY = datetime.date(2026, 12, 10)


def test_projection_of_a_straight_line_blends_trend_and_last_year():
    history = [D(100 + 10 * t) for t in range(12)]  # 100 .. 210
    a, b = forecast.trend_line(history)
    assert (a, b) == (D("100"), D("10"))
    # month 13: trend 220, same month last year 100 -> 160; month 14: (230 + 110) / 2
    assert forecast.project(history, 3) == [D("160.00"), D("170.00"), D("180.00")]


def test_projection_of_a_flat_series_is_flat_and_never_negative():
    assert forecast.project([D("50")] * 12, 13) == [D("50.00")] * 13
    falling = [D(1100 - 100 * t) for t in range(12)]  # 1100 .. 0
    projected = forecast.project(falling, 12)
    assert all(value >= 0 for value in projected)
    assert projected[-1] == D("0.00")  # trend far below zero, clamped
    assert forecast.project([D("0")] * 12, 2) == [D("0.00"), D("0.00")]


def test_projection_keeps_the_season():
    # a December peak: the seasonal half brings it back next December
    history = [D("100")] * 11 + [D("1300")]
    projected = forecast.project(history, 12)
    assert projected[-1] > projected[0]
    assert projected == forecast.project(list(history), 12)  # deterministic


def test_error_percent():
    assert forecast.error_percent(D("120"), D("100")) == D("20.0")
    assert forecast.error_percent(D("80"), D("100")) == D("-20.0")
    assert forecast.error_percent(D("80"), D("0")) is None


def _opportunity(world, owner, amount, close, probability):
    made = h.opportunity(world, owner, amount, None, probability)
    with org_scope(world.org):
        Opportunity.objects.filter(pk=made.pk).update(
            expected_close_date=close, probability=probability
        )
    return made


@pytest.mark.django_db
def test_pipeline_buckets_by_close_month_with_overdue_apart(world):
    _opportunity(world, world.rep_a, "10000", datetime.date(2026, 12, 20), 50)
    _opportunity(world, world.rep_a, "4000", datetime.date(2026, 12, 31), 25)
    _opportunity(world, world.rep_a, "8000", datetime.date(2027, 2, 1), 10)
    _opportunity(world, world.rep_b, "6000", datetime.date(2026, 12, 1), 80)  # overdue
    _opportunity(world, world.rep_b, "9000", datetime.date(2027, 9, 1), 80)  # past the horizon
    _opportunity(world, world.rep_b, "3000", None, 30)  # undated
    with org_scope(world.org):
        won = _opportunity(world, world.rep_a, "99999", datetime.date(2026, 12, 25), 100)
        Opportunity.objects.filter(pk=won.pk).update(status="won")
        result = selectors.forecast(employee=world.admin, months=3, today=TODAY)
        by_month = {b.label: b for b in result.months}
        assert list(by_month) == ["2026-12", "2027-01", "2027-02"]
        december = by_month["2026-12"]
        assert (december.pipeline, december.weighted, december.count) == (D("14000"), D("6000"), 2)
        assert by_month["2027-01"].count == 0
        assert by_month["2027-02"].weighted == D("800")
        assert (result.overdue.count, result.overdue.weighted) == (1, D("4800"))
        assert (result.no_date.count, result.no_date.weighted) == (1, D("900"))
        # the rep only sees their own opportunities
        mine = selectors.forecast(employee=world.rep_a, months=3, today=TODAY)
        assert mine.overdue.count == 0 and mine.no_date.count == 0
        assert mine.months[0].count == 2
        assert mine.subject.key == f"e{world.rep_a.pk}"
        # filters: a department's subtree, an owner
        north = selectors.forecast(
            employee=world.admin, months=3, department=world.north, today=TODAY
        )
        assert north.months[0].count == 0 and north.overdue.count == 1
        assert north.subject.key == f"d{world.north.pk}"


@pytest.mark.django_db
def test_projection_and_actual_come_from_visible_orders(world):
    for months_back in range(1, 13):
        day = datetime.date(2026, 12, 1) - datetime.timedelta(days=30 * months_back)
        h.order(world, world.rep_a, "1000", day)
    h.order(world, world.rep_a, "250", datetime.date(2026, 12, 5))
    h.order(world, world.rep_b, "5000", datetime.date(2026, 11, 5))
    with org_scope(world.org):
        mine = selectors.forecast(employee=world.rep_a, months=2, today=TODAY)
        assert mine.months[0].actual == D("250")
        assert mine.months[0].projection == D("1000.00")
        everyone = selectors.forecast(employee=world.admin, months=2, today=TODAY)
        assert everyone.past[-2].actual == D("6000")  # November, both reps


@pytest.mark.django_db
def test_snapshot_job_is_idempotent_and_compared_with_the_actual(world):
    _opportunity(world, world.rep_a, "10000", datetime.date(2026, 11, 20), 50)
    _opportunity(world, world.rep_b, "2000", datetime.date(2026, 11, 25), 50)
    h.order(world, world.rep_a, "4000", datetime.date(2026, 11, 8))
    with time_machine.travel(datetime.datetime(2026, 11, 1, 1, 0, tzinfo=datetime.UTC)):
        made = tasks.forecast_snapshots_daily.call_local()
        again = tasks.forecast_snapshots_daily.call_local()
    assert made[world.org.pk] > 0 and again[world.org.pk] == 0
    with org_scope(world.org):
        snaps = {
            s.subject_key: s
            for s in ForecastSnapshot.objects.filter(month=datetime.date(2026, 11, 1))
        }
        assert snaps["org"].weighted_amount == D("6000")
        assert snaps["org"].opportunity_count == 2
        assert snaps[f"e{world.rep_a.pk}"].weighted_amount == D("5000")
        assert snaps[f"d{world.sales.pk}"].weighted_amount == D("6000")
        assert snaps[f"d{world.north.pk}"].weighted_amount == D("1000")
        result = selectors.forecast(employee=world.admin, months=1, today=TODAY)
        november = next(row for row in result.past if row.label == "2026-11")
        assert november.actual == D("4000") and november.weighted == D("6000")
        assert november.weighted_error == D("50.0")
        assert (
            services.forecast_snapshot_take(org_id=world.org.pk, month=datetime.date(2026, 11, 1))
            == 0
        )


@pytest.mark.django_db
def test_snapshot_now_needs_the_whole_org_in_view(world):
    from guanxi.core.errors import BusinessRuleError

    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.forecast_snapshot_now(actor=world.manager)
        assert services.forecast_snapshot_now(actor=world.admin) >= 1
