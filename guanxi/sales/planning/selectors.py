"""Reads of sales targets and the forecast: scoped querysets, access helpers, actual vs
target (live, rolled up the department tree) and the figures of the forecast page.

Actual figures follow the shared sales definitions (docs/decisions/targets-and-forecast.md):

* order amount: ``Order.total`` of confirmed/completed, not deleted orders, dated by
  ``order_date``, credited to ``owner`` / ``owner_department``; with a product line, the
  ``OrderLine.total`` of that line's products;
* quantity: ``OrderLine.quantity`` of the same orders (of the line's products);
* collected amount: ``PaymentAllocation.amount`` of valid payments, dated by
  ``received_at``, credited to the allocated receivable's ``owner`` / ``owner_department``.

They are aggregated in SQL per (owner, owner department, month) — one query per measure
whatever the number of targets — and a department's actual is the sum over the
departments whose ``path`` starts with its own (its subtree).

Target roll-up: the target of a subject for a period is its explicit target for exactly
that period; else the sum of its targets of the periods one level down (a quarter's
months, a year's quarters, each taken by the same rule); else, for a department, the sum
of the targets of its employees (by their current department) and of its child
departments (each by the same rule). No target at all: ``None``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404

from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.sales.planning import periods
from guanxi.sales.planning.models import SalesTarget
from guanxi.sales.planning.periods import Period

MODULE = "sales_targets"
ORDER_COUNTED = ("confirmed", "completed")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
_MONEY = DecimalField(max_digits=20, decimal_places=6)


# ---- scoped querysets and access -----------------------------------------------------------


def target_queryset(*, employee):
    qs = SalesTarget.objects.select_related("employee", "department", "product_line")
    return policy.scope_queryset(employee, MODULE, qs)


def access_target(employee, pk, *, write=False):
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return target_queryset(employee=employee).get(pk=int(pk))
    except (SalesTarget.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def subject_visible(employee, module, *, owner_id, department_id):
    """May ``employee`` see a record of ``module`` owned by ``owner_id`` in
    ``department_id`` (the policy's data-scope rule, without a record)?"""
    if not policy.can(employee, f"{module}.view"):
        return False
    scope = policy.access_for(employee).scope(module)
    if scope.all:
        return True
    return (owner_id is not None and owner_id == employee.pk) or (
        department_id in scope.department_ids
    )


# ---- actual figures ------------------------------------------------------------------------


@dataclass
class Actuals:
    """Actual figures of one measure per (owner, owner department, month)."""

    rows: list = field(default_factory=list)  # (owner_id, department_id, month, value)
    paths: dict = field(default_factory=dict)  # department id -> path

    def for_employee(self, employee_id, period):
        first, last = period.start, period.end
        return sum(
            (
                v
                for owner, _d, month, v in self.rows
                if owner == employee_id and first <= month <= last
            ),
            ZERO,
        )

    def for_department(self, department, period):
        first, last = period.start, period.end
        prefix = department.path
        return sum(
            (
                v
                for _o, dept, month, v in self.rows
                if dept is not None
                and self.paths.get(dept, "").startswith(prefix)
                and first <= month <= last
            ),
            ZERO,
        )

    def for_org(self, period):
        first, last = period.start, period.end
        return sum((v for _o, _d, month, v in self.rows if first <= month <= last), ZERO)

    def by_month(self, *, employee_id=None, department=None):
        """``{month: value}`` of one employee, one department's subtree or everything."""
        result: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
        for owner, dept, month, value in self.rows:
            if employee_id is not None and owner != employee_id:
                continue
            if department is not None and not (
                dept is not None and self.paths.get(dept, "").startswith(department.path)
            ):
                continue
            result[month] += value
        return result


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def measure_rows(*, measure, start, end, product_line_id=None, extra_q=None):
    """``[(owner_id, department_id, month, value)]`` of ``measure`` dated ``start``..``end``
    (both included), summed in SQL per owner, owner department and month."""
    from guanxi.sales.orders.models import Order, OrderLine
    from guanxi.sales.receivables.models import PaymentAllocation

    qs: Any
    if measure == SalesTarget.Measure.COLLECTED_AMOUNT:
        qs = PaymentAllocation.objects.filter(
            payment__status="valid", payment__received_at__range=(start, end)
        ).values(
            who=F("receivable__owner_id"),
            where=F("receivable__owner_department_id"),
            when=TruncMonth("payment__received_at"),
        )
        value = Sum("amount")
        if extra_q is not None:
            qs = qs.filter(extra_q("receivable__"))
    elif measure == SalesTarget.Measure.ORDER_AMOUNT and product_line_id is None:
        qs = Order.objects.filter(status__in=ORDER_COUNTED, order_date__range=(start, end)).values(
            who=F("owner_id"), where=F("owner_department_id"), when=TruncMonth("order_date")
        )
        value = Sum("total")
        if extra_q is not None:
            qs = qs.filter(extra_q(""))
    else:
        qs = OrderLine.objects.filter(
            order__status__in=ORDER_COUNTED,
            order__deleted_at__isnull=True,
            order__order_date__range=(start, end),
        )
        if product_line_id is not None:
            qs = qs.filter(product__product_lines=product_line_id)
        if extra_q is not None:
            qs = qs.filter(extra_q("order__"))
        qs = qs.values(
            who=F("order__owner_id"),
            where=F("order__owner_department_id"),
            when=TruncMonth("order__order_date"),
        )
        value = Sum("quantity" if measure == SalesTarget.Measure.QUANTITY else "total")
    rows = qs.order_by().annotate(value=Coalesce(value, Value(ZERO), output_field=_MONEY))
    return [(row["who"], row["where"], _as_date(row["when"]), row["value"] or ZERO) for row in rows]


def department_paths():
    return dict(Department.objects.values_list("pk", "path"))


def actuals(*, measure, start, end, product_line_id=None, paths=None):
    return Actuals(
        rows=measure_rows(measure=measure, start=start, end=end, product_line_id=product_line_id),
        paths=paths if paths is not None else department_paths(),
    )


def attainment(target, actual):
    """Actual as a percentage of the target (one decimal), None without a target."""
    if not target:
        return None
    return (Decimal(actual) * HUNDRED / Decimal(target)).quantize(Decimal("0.1"))


# ---- effective targets ---------------------------------------------------------------------


def _period_value(explicit, period):
    """(value, source) of one subject for ``period`` from its explicit targets
    ``{Period: value}``: the period's own, else the sum of the periods one level down."""
    if period in explicit:
        return explicit[period], "explicit"
    parts = [_period_value(explicit, sub)[0] for sub in period.sub_periods()]
    found = [part for part in parts if part is not None]
    if found:
        return sum(found, ZERO), "periods"
    return None, None


@dataclass
class Row:
    """One line of the target board: a department or an employee."""

    kind: str  # "department" / "employee"
    pk: int
    name: str
    depth: int
    path: str  # the department's path (an employee: its department's)
    target: Decimal | None
    source: str | None
    actual: Decimal
    progress: float
    target_id: int | None = None
    has_children: bool = False
    department_id: int | None = None

    @property
    def attainment(self):
        return attainment(self.target, self.actual)

    @property
    def gap(self):
        if self.target is None:
            return None
        return max(self.target - self.actual, ZERO)

    @property
    def on_track(self):
        """Attainment at least as far as the period has gone."""
        if self.target is None:
            return None
        return self.attainment >= Decimal(str(round(self.progress * 100, 1)))

    @property
    def bar_width(self):
        value = self.attainment
        return 0 if value is None else int(min(max(value, ZERO), HUNDRED))

    @property
    def progress_percent(self):
        return round(self.progress * 100, 1)


@dataclass
class Board:
    period: Period
    measure: str
    product_line_id: int | None
    rows: list
    progress: float
    today: datetime.date

    @property
    def mine(self):
        return [row for row in self.rows if row.kind == "employee"]


def board(*, employee, period, measure, product_line_id=None, today=None):
    """The target board of ``period``: the departments and employees ``employee`` may see
    (module ``sales_targets``), each with its target (by the roll-up rule), the actual,
    attainment, gap and time progress. A rep whose scope is "own" gets their own row."""
    policy.require(employee, f"{MODULE}.view")
    today = today or datetime.date.today()
    scope = policy.access_for(employee).scope(MODULE)
    departments = list(Department.objects.order_by("path"))
    paths = {dept.pk: dept.path for dept in departments}
    visible_depts = [d for d in departments if scope.all or d.pk in scope.department_ids]
    visible_ids = {d.pk for d in visible_depts}
    people = Employee.objects.filter(status=Employee.Status.ACTIVE)
    if not scope.all:
        people = people.filter(Q(department_id__in=visible_ids) | Q(pk=employee.pk))
    people_list = list(people.only("pk", "name", "department_id").order_by("name", "pk"))

    targets = SalesTarget.objects.filter(
        period_start__gte=period.start,
        period_end__lte=period.end,
        measure=measure,
        product_line_id=product_line_id,
    ).values_list("pk", "employee_id", "department_id", "period_kind", "period_start", "value")
    by_employee: dict[int, dict] = defaultdict(dict)
    by_department: dict[int, dict] = defaultdict(dict)
    explicit_id: dict[tuple, int] = {}
    for pk, emp, target_dept, kind, start, value in targets:
        key = Period(kind, start)
        if emp is not None:
            by_employee[emp][key] = value
            if key == period:
                explicit_id[("employee", emp)] = pk
        else:
            by_department[target_dept][key] = value
            if key == period:
                explicit_id[("department", target_dept)] = pk
    # employees with targets but not listed (left, or out of view) still count in roll-ups
    home = dict(
        Employee.objects.filter(pk__in=list(by_employee)).values_list("pk", "department_id")
    )

    figures = actuals(
        measure=measure,
        start=period.start,
        end=period.end,
        product_line_id=product_line_id,
        paths=paths,
    )
    progress = period.progress(today)
    children: dict[int | None, list] = defaultdict(list)
    for dept in sorted(departments, key=lambda d: (d.sort_order, d.name, d.pk)):
        children[dept.parent_id].append(dept)
    members: dict[int, list] = defaultdict(list)
    for emp_id, dept_id in home.items():
        members[dept_id].append(emp_id)

    memo: dict[int, tuple] = {}

    def dept_target(dept):
        if dept.pk in memo:
            return memo[dept.pk]
        value, source = _period_value(by_department.get(dept.pk, {}), period)
        if value is None:
            parts = [_period_value(by_employee[e], period)[0] for e in members.get(dept.pk, [])]
            parts += [dept_target(child)[0] for child in children.get(dept.pk, [])]
            found = [part for part in parts if part is not None]
            if found:
                value, source = sum(found, ZERO), "children"
        memo[dept.pk] = (value, source)
        return memo[dept.pk]

    rows: list[Row] = []
    staff_by_dept: dict[int, list] = defaultdict(list)
    for person in people_list:
        staff_by_dept[person.department_id].append(person)
    placed: set[int] = set()

    def add_employee(person, depth):
        value, source = _period_value(by_employee.get(person.pk, {}), period)
        rows.append(
            Row(
                kind="employee",
                pk=person.pk,
                name=person.name,
                depth=depth,
                path=paths.get(person.department_id, ""),
                target=value,
                source=source,
                actual=figures.for_employee(person.pk, period),
                progress=progress,
                target_id=explicit_id.get(("employee", person.pk)),
                department_id=person.department_id,
            )
        )
        placed.add(person.pk)

    def walk(dept, depth):
        value, source = dept_target(dept)
        rows.append(
            Row(
                kind="department",
                pk=dept.pk,
                name=dept.name,
                depth=depth,
                path=dept.path,
                target=value,
                source=source,
                actual=figures.for_department(dept, period),
                progress=progress,
                target_id=explicit_id.get(("department", dept.pk)),
                has_children=bool(staff_by_dept.get(dept.pk) or children.get(dept.pk)),
                department_id=dept.pk,
            )
        )
        for person in staff_by_dept.get(dept.pk, []):
            add_employee(person, depth + 1)
        for child in children.get(dept.pk, []):
            if child.pk in visible_ids:
                walk(child, depth + 1)

    for dept in sorted(visible_depts, key=lambda d: (d.depth, d.sort_order, d.name, d.pk)):
        parent_visible = dept.parent_id is not None and dept.parent_id in visible_ids
        if not parent_visible:
            walk(dept, 0)
    for person in people_list:  # one's own row when one's department is out of view
        if person.pk not in placed:
            add_employee(person, 0)
    return Board(
        period=period,
        measure=measure,
        product_line_id=product_line_id,
        rows=rows,
        progress=progress,
        today=today,
    )


def target_actuals(targets):
    """``{target pk: actual}`` for ``targets`` (any periods and measures): one query per
    (measure, product line) over the span of their periods, plus the department paths."""
    targets = list(targets)
    if not targets:
        return {}
    paths = department_paths() if any(t.department_id for t in targets) else {}
    groups: dict[tuple, list] = defaultdict(list)
    for target in targets:
        groups[(target.measure, target.product_line_id)].append(target)
    result = {}
    for (measure, line_id), members in groups.items():
        figures = actuals(
            measure=measure,
            start=min(t.period_start for t in members),
            end=max(t.period_end for t in members),
            product_line_id=line_id,
            paths=paths,
        )
        for target in members:
            period = target.period
            if target.employee_id:
                result[target.pk] = figures.for_employee(target.employee_id, period)
            else:
                department = Department(
                    pk=target.department_id, path=paths.get(target.department_id, "//")
                )
                result[target.pk] = figures.for_department(department, period)
    return result


def my_month(*, employee, today):
    """This month's targets of ``employee`` (every measure), each with its actual."""
    period = periods.of(periods.MONTH, today)
    targets = list(
        SalesTarget.objects.filter(
            employee_id=employee.pk, period_kind=periods.MONTH, period_start=period.start
        ).select_related("product_line")
    )
    found = target_actuals(targets)
    return period, [
        (target, found[target.pk], attainment(target.value, found[target.pk])) for target in targets
    ]


# ---- the forecast --------------------------------------------------------------------------


def weighted_expression():
    return ExpressionWrapper(F("amount") * F("probability") / Value(HUNDRED), output_field=_MONEY)


def opportunity_queryset(*, employee, department=None, owner_id=None, pipeline_id=None):
    """Open, live opportunities ``employee`` may see (module ``opportunities``), narrowed to
    a department's subtree, an owner and a pipeline when given."""
    from guanxi.sales.opportunities.models import Opportunity

    qs = Opportunity.objects.filter(status="open")
    qs = policy.scope_queryset(employee, "opportunities", qs)
    if department is not None:
        qs = qs.filter(owner_department__path__startswith=department.path)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if pipeline_id is not None:
        qs = qs.filter(pipeline_id=pipeline_id)
    return qs


@dataclass
class Bucket:
    month: datetime.date | None
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    count: int = 0
    projection: Decimal | None = None
    actual: Decimal | None = None

    @property
    def label(self):
        return f"{self.month:%Y-%m}" if self.month else ""


def pipeline_buckets(qs, *, first_month, months, today):
    """``(buckets by month, overdue, undated)``: the open pipeline of ``qs`` grouped by
    the month of ``expected_close_date`` for ``months`` months from ``first_month``;
    opportunities whose expected close date is before ``today`` are "overdue" (their own
    bucket), those with no date "undated". Two queries."""
    last = periods.add_months(first_month, months) - datetime.timedelta(days=1)
    weighted = weighted_expression()
    grouped = (
        qs.filter(expected_close_date__gte=today, expected_close_date__lte=last)
        .order_by()
        .values(month=TruncMonth("expected_close_date"))
        .annotate(
            pipeline=Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY),
            weighted=Coalesce(Sum(weighted), Value(ZERO), output_field=_MONEY),
            count=Sum(Value(1)),
        )
    )
    buckets = {
        periods.add_months(first_month, i): Bucket(periods.add_months(first_month, i))
        for i in range(months)
    }
    for row in grouped:
        bucket = buckets.get(_as_date(row["month"]))
        if bucket is not None:
            bucket.pipeline, bucket.weighted, bucket.count = (
                row["pipeline"], row["weighted"], row["count"] or 0,
            )  # fmt: skip
    late = Q(expected_close_date__lt=today)
    undated = Q(expected_close_date__isnull=True)
    extra = qs.order_by().aggregate(
        late_pipeline=Coalesce(Sum("amount", filter=late), Value(ZERO), output_field=_MONEY),
        late_weighted=Coalesce(Sum(weighted, filter=late), Value(ZERO), output_field=_MONEY),
        late_count=Coalesce(Sum(Value(1), filter=late), Value(0)),
        none_pipeline=Coalesce(Sum("amount", filter=undated), Value(ZERO), output_field=_MONEY),
        none_weighted=Coalesce(Sum(weighted, filter=undated), Value(ZERO), output_field=_MONEY),
        none_count=Coalesce(Sum(Value(1), filter=undated), Value(0)),
    )
    overdue = Bucket(None, extra["late_pipeline"], extra["late_weighted"], extra["late_count"])
    no_date = Bucket(None, extra["none_pipeline"], extra["none_weighted"], extra["none_count"])
    return [buckets[key] for key in sorted(buckets)], overdue, no_date


def order_scope(employee, *, department=None, owner_id=None):
    """A ``prefix -> Q`` keeping the orders of the forecast's viewer and filters: the
    viewer's data scope of module ``opportunities`` applied to the orders' owner and
    owner department (the forecast page is an opportunities page), a department's subtree,
    an owner."""

    def build(prefix):
        q = Q()
        visible = policy.visible_q(
            employee,
            "opportunities",
            owner=f"{prefix}owner",
            department=f"{prefix}owner_department",
        )
        if visible is not None:
            q &= visible
        if department is not None:
            q &= Q(**{f"{prefix}owner_department__path__startswith": department.path})
        if owner_id is not None:
            q &= Q(**{f"{prefix}owner_id": owner_id})
        return q

    return build


@dataclass
class Subject:
    kind: str  # org / department / employee
    key: str
    name: str


def forecast_subject(employee, *, department=None, owner=None):
    """The subject whose snapshots the page compares: the chosen employee, else the chosen
    department, else the whole org for a viewer who sees all opportunities, else the
    viewer's department when it is in their scope, else the viewer."""
    from guanxi.sales.planning.models import ForecastSnapshot as Snap

    scope = policy.access_for(employee).scope("opportunities")
    if owner is not None:
        return Subject(Snap.Subject.EMPLOYEE, f"e{owner.pk}", owner.name)
    if department is not None:
        return Subject(Snap.Subject.DEPARTMENT, f"d{department.pk}", department.name)
    if scope.all:
        return Subject(Snap.Subject.ORG, "org", str(Snap.Subject.ORG.label))
    if employee.department_id in scope.department_ids:
        dept = Department.objects.get(pk=employee.department_id)
        return Subject(Snap.Subject.DEPARTMENT, f"d{dept.pk}", dept.name)
    return Subject(Snap.Subject.EMPLOYEE, f"e{employee.pk}", employee.name)


@dataclass
class PastRow:
    month: datetime.date
    actual: Decimal
    weighted: Decimal | None
    projection: Decimal | None
    taken_at: Any = None

    @property
    def weighted_error(self):
        from guanxi.sales.planning.forecast import error_percent

        return error_percent(self.weighted, self.actual)

    @property
    def projection_error(self):
        from guanxi.sales.planning.forecast import error_percent

        return error_percent(self.projection, self.actual)

    @property
    def label(self):
        return f"{self.month:%Y-%m}"


@dataclass
class Forecast:
    months: list
    overdue: Bucket
    no_date: Bucket
    past: list
    subject: Subject
    today: datetime.date
    history: list

    def chart(self):
        """The chart's data (JSON-safe): months ahead, then the past comparison."""

        def number(value):
            return None if value is None else float(value)

        return {
            "months": [b.label for b in self.months],
            "pipeline": [number(b.pipeline) for b in self.months],
            "weighted": [number(b.weighted) for b in self.months],
            "projection": [number(b.projection) for b in self.months],
            "past_months": [row.label for row in self.past],
            "past_actual": [number(row.actual) for row in self.past],
            "past_weighted": [number(row.weighted) for row in self.past],
            "past_projection": [number(row.projection) for row in self.past],
        }


HISTORY_MONTHS = 12
PAST_MONTHS = 6


def forecast(
    *,
    employee,
    months=6,
    department=None,
    owner=None,
    pipeline_id=None,
    today=None,
):
    """The forecast page: the weighted pipeline for ``months`` months from this month
    (overdue and undated opportunities apart), the projection of order amounts from the
    last 12 months, this month's actual so far, and for the past 6 months and this one the
    snapshot taken when the month began beside the month's actual. Rows are limited to the
    opportunities (and the orders of owners) the viewer may see."""
    from guanxi.sales.planning import forecast as projection
    from guanxi.sales.planning.models import ForecastSnapshot

    policy.require(employee, "opportunities.view")
    today = today or datetime.date.today()
    first = periods.month_start(today)
    owner_id = owner.pk if owner is not None else None
    opportunities = opportunity_queryset(
        employee=employee, department=department, owner_id=owner_id, pipeline_id=pipeline_id
    )
    buckets, overdue, no_date = pipeline_buckets(
        opportunities, first_month=first, months=months, today=today
    )
    start = periods.add_months(first, -HISTORY_MONTHS)
    rows = measure_rows(
        measure=SalesTarget.Measure.ORDER_AMOUNT,
        start=start,
        end=periods.add_months(first, 1) - datetime.timedelta(days=1),
        extra_q=order_scope(employee, department=department, owner_id=owner_id),
    )
    by_month: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for _owner, _dept, month, value in rows:
        by_month[month] += value
    history = [by_month[periods.add_months(start, i)] for i in range(HISTORY_MONTHS)]
    for bucket, value in zip(buckets, projection.project(history, months), strict=True):
        bucket.projection = value
    if buckets:
        buckets[0].actual = by_month[first]
    subject = forecast_subject(employee, department=department, owner=owner)
    past_first = periods.add_months(first, -PAST_MONTHS)
    snaps = {
        snap.month: snap
        for snap in ForecastSnapshot.objects.filter(
            subject_key=subject.key, month__gte=past_first, month__lte=first
        )
    }
    past = []
    for i in range(PAST_MONTHS + 1):
        month = periods.add_months(past_first, i)
        snap = snaps.get(month)
        past.append(
            PastRow(
                month=month,
                actual=by_month[month],
                weighted=snap.weighted_amount if snap else None,
                projection=snap.projection if snap else None,
                taken_at=snap.taken_at if snap else None,
            )
        )
    return Forecast(
        months=buckets,
        overdue=overdue,
        no_date=no_date,
        past=past,
        subject=subject,
        today=today,
        history=[(periods.add_months(start, i), v) for i, v in enumerate(history)],
    )
