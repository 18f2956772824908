"""Demo data of sales targets and the forecast: monthly targets of this year for every
employee who owns orders or opportunities in the demo (order amount, and collected amount
at 90 % of it) and for their departments, scaled to the demo's own order figures so the
attainment looks plausible; and the forecast snapshots of the last three months and this
one. Called by the project's demo seed inside the demo org's scope, after the orders and
receivables; a second run adds nothing."""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from guanxi.orgs.models import Employee
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.orders.models import Order
from guanxi.sales.planning import periods, selectors, services
from guanxi.sales.planning.models import SalesTarget

FLOOR = Decimal("30000")
STRETCH = Decimal("1.15")
COLLECTED_SHARE = Decimal("0.9")
THOUSAND = Decimal("1000")


def _round(value):
    return (value / THOUSAND).quantize(Decimal(1), rounding=ROUND_HALF_UP) * THOUSAND


def seed(admin):
    """Targets and snapshots of the demo org; returns how many targets were made (0 when
    the demo already has them)."""
    if SalesTarget.objects.exists():
        return 0
    today = timezone.localdate()
    owner_ids = set(
        Order.objects.filter(owner__isnull=False).values_list("owner_id", flat=True)
    ) | set(Opportunity.objects.filter(owner__isnull=False).values_list("owner_id", flat=True))
    people = list(
        Employee.objects.filter(pk__in=owner_ids, status=Employee.Status.ACTIVE).order_by("pk")
    )
    if not people:
        return 0
    start = periods.add_months(periods.month_start(today), -12)
    rows = selectors.measure_rows(measure=SalesTarget.Measure.ORDER_AMOUNT, start=start, end=today)
    sold: dict[int, Decimal] = defaultdict(Decimal)
    for owner, _dept, _month, value in rows:
        if owner is not None:
            sold[owner] += value
    made = 0
    by_department: dict[int, Decimal] = defaultdict(Decimal)
    for person in people:
        # a month's target: the average month of the last year, stretched, never tiny
        monthly = max(_round(sold[person.pk] / 12 * STRETCH), FLOOR)
        by_department[person.department_id] += monthly
        for month in range(1, 13):
            period = periods.Period(periods.MONTH, datetime.date(today.year, month, 1))
            services.target_create(
                actor=admin,
                employee=person,
                period=period,
                measure=SalesTarget.Measure.ORDER_AMOUNT,
                value=monthly,
            )
            services.target_create(
                actor=admin,
                employee=person,
                period=period,
                measure=SalesTarget.Measure.COLLECTED_AMOUNT,
                value=_round(monthly * COLLECTED_SHARE),
            )
            made += 2
    for department_id, monthly in by_department.items():
        for month in range(1, 13):
            services.target_create(
                actor=admin,
                department=department_id,
                period=periods.Period(periods.MONTH, datetime.date(today.year, month, 1)),
                measure=SalesTarget.Measure.ORDER_AMOUNT,
                value=_round(monthly * Decimal("1.05")),
                note="部门冲刺目标",
            )
            made += 1
    for back in (3, 2, 1, 0):
        services.forecast_snapshot_take(
            org_id=admin.org_id, month=periods.add_months(periods.month_start(today), -back)
        )
    return made
