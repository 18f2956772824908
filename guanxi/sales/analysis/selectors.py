"""The sales analysis figures, read in SQL (GROUP BY, conditional aggregates).

Definitions shared with the other sales reports (``docs/decisions/sales-analysis.md``):

* order amount: ``Order.total`` of confirmed/completed orders, dated by ``order_date``,
  credited to the order's owner and ``owner_department``; with a product or product line
  in play, the totals of the matching order lines instead;
* won / lost: opportunities closed (``closed_on``) in the range; win rate = won ÷ (won +
  lost); average deal size = won amount ÷ won count; cycle = days from the opportunity's
  creation (local date) to ``closed_on``, over won ones;
* new pipeline: opportunities created in the range (count and amount).

Every figure reads records through ``policy.scope_queryset`` of their module (orders,
opportunities), so a manager sees their department tree and a rep their own. Only
documents in the org's base currency count (the amounts are added up). Python only
touches the aggregated rows (merging two row sets, rolling departments up their tree,
filling empty periods): never one row per record.
"""

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    StrIndex,
    Substr,
    TruncDate,
    TruncMonth,
    TruncQuarter,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.orgs import policy
from guanxi.orgs.models import Department, OrgSettings
from guanxi.sales.opportunities.models import (
    Opportunity,
    OpportunityLine,
    Pipeline,
    Stage,
    StageChange,
)
from guanxi.sales.orders.models import Order, OrderLine

COUNTED_ORDER_STATUSES = (Order.Status.CONFIRMED, Order.Status.COMPLETED)
DIMENSIONS = ("employee", "department", "product", "product_line", "region", "month", "quarter")
PRODUCT_DIMENSIONS = ("product", "product_line")
PERIOD_DIMENSIONS = ("month", "quarter")
TOP_DEFAULT = 10
TOP_MAX = 100
# growth ranking: a customer needs at least this much in the earlier period (in the org's
# currency) to be ranked by percentage; smaller bases make meaningless percentages
MIN_BASE_DEFAULT = Decimal("1000")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Filters:
    """What the screens and the API filter by (``forms.AnalysisFilterForm`` builds it)."""

    start: datetime.date
    end: datetime.date
    department: Department | None = None
    employee: Any = None
    pipeline: Pipeline | None = None
    product_line: Any = None
    region: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The same filters over the period of equal length just before this one."""
        end = self.start - ONE_DAY
        return Filters(
            start=end - datetime.timedelta(days=self.days - 1),
            end=end,
            department=self.department,
            employee=self.employee,
            pipeline=self.pipeline,
            product_line=self.product_line,
            region=self.region,
        )


@dataclass
class Context:
    """Who reads (scope) and in which currency and precision amounts are shown."""

    employee: Any
    currency: str = "CNY"
    places: int = 2

    def money(self, value: Any) -> Decimal:
        return Decimal(value or 0).quantize(Decimal(1).scaleb(-self.places), ROUND_HALF_UP)


def context_for(employee) -> Context:
    """The reader's context (one query: the org's currency and decimals)."""
    row = (
        OrgSettings.objects.filter(org_id=employee.org_id)
        .values_list("currency", "contract_decimals")
        .first()
    )
    currency, places = row if row else ("CNY", 2)
    return Context(employee=employee, currency=currency or "CNY", places=places)


def _percent(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _ratio(part: Any, whole: Any, places: int = 2) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def _plain(value: Decimal) -> Decimal:
    """``200.0000`` → ``200``, ``1.5000`` → ``1.5`` (never ``2E+2``)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _days(duration: Any) -> Decimal:
    """A summed duration (timedelta) as days."""
    if not duration:
        return ZERO
    return Decimal(duration.total_seconds()) / Decimal(86400)


def local_bounds(start: datetime.date, end: datetime.date):
    """``[start 00:00, the day after end 00:00)`` as aware datetimes in the local zone."""
    zone = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + ONE_DAY, datetime.time.min, tzinfo=zone)
    return low, high


# ---- the underlying records ----------------------------------------------------------------


def _owner_filters(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.employee is not None:
        q &= Q(**{f"{prefix}owner_id": filters.employee.pk})
    if filters.department is not None:
        q &= Q(**{f"{prefix}owner_department__path__startswith": filters.department.path})
    if filters.region:
        q &= Q(**{f"{prefix}customer__region__startswith": filters.region})
    return q


def order_lines_base(ctx: Context, filters: Filters) -> QuerySet:
    """Lines of counted orders in range (scoped: the order's owner and department)."""
    queryset = OrderLine.objects.filter(
        order__deleted_at__isnull=True,
        order__status__in=COUNTED_ORDER_STATUSES,
        order__currency=ctx.currency,
        order__order_date__range=(filters.start, filters.end),
    ).filter(_owner_filters(filters, "order__"))
    if filters.product_line is not None:
        queryset = queryset.filter(product__product_lines=filters.product_line)
    return policy.scope_queryset(
        ctx.employee, "orders", queryset, owner="order__owner", department="order__owner_department"
    )


def orders_base(ctx: Context, filters: Filters) -> QuerySet:
    """Counted orders in range (scoped). With a product line filter, only orders holding
    a line of it (their amounts then come from ``order_lines_base``)."""
    queryset = Order.objects.filter(
        status__in=COUNTED_ORDER_STATUSES,
        currency=ctx.currency,
        order_date__range=(filters.start, filters.end),
    ).filter(_owner_filters(filters))
    if filters.product_line is not None:
        lines = OrderLine.objects.filter(
            order=OuterRef("pk"), product__product_lines=filters.product_line
        )
        queryset = queryset.filter(Exists(lines))
    return policy.scope_queryset(ctx.employee, "orders", queryset)


def opportunities_base(ctx: Context, filters: Filters) -> QuerySet:
    """Opportunities of the filters (scoped), not yet limited to a date range."""
    queryset = Opportunity.objects.filter(currency=ctx.currency).filter(_owner_filters(filters))
    if filters.pipeline is not None:
        queryset = queryset.filter(pipeline=filters.pipeline)
    if filters.product_line is not None:
        lines = OpportunityLine.objects.filter(
            opportunity=OuterRef("pk"), product__product_lines=filters.product_line
        )
        queryset = queryset.filter(Exists(lines))
    return policy.scope_queryset(ctx.employee, "opportunities", queryset)


def _closed_in(filters: Filters, prefix: str = "") -> Q:
    return Q(**{f"{prefix}closed_on__range": (filters.start, filters.end)})


def _created_in(filters: Filters, prefix: str = "") -> Q:
    low, high = local_bounds(filters.start, filters.end)
    return Q(**{f"{prefix}created_at__gte": low, f"{prefix}created_at__lt": high})


def _cycle(prefix: str = ""):
    """Days from creation (local date) to ``closed_on``, as a duration."""
    return ExpressionWrapper(
        F(f"{prefix}closed_on") - TruncDate(f"{prefix}created_at"), output_field=DurationField()
    )


def _order_measures(lines: bool) -> dict[str, Any]:
    if lines:
        return {
            "order_amount": Sum("total"),
            "order_count": Count("order_id", distinct=True),
            "quantity": Sum("quantity"),
        }
    return {"order_amount": Sum("total"), "order_count": Count("id")}


def _opportunity_measures(filters: Filters, *, lines: bool) -> dict[str, Any]:
    """Won/lost counts, won amount and summed cycle; over opportunity lines (product
    dimensions) the counts are of distinct opportunities and the amount is the lines'."""
    prefix = "opportunity__" if lines else ""
    closed = _closed_in(filters, prefix)
    won = closed & Q(**{f"{prefix}status": Opportunity.Status.WON})
    lost = closed & Q(**{f"{prefix}status": Opportunity.Status.LOST})
    counted = "opportunity_id" if lines else "id"
    return {
        "won_count": Count(counted, filter=won, distinct=lines),
        "lost_count": Count(counted, filter=lost, distinct=lines),
        "won_amount": Sum("total" if lines else "amount", filter=won),
        "cycle_total": Sum(_cycle(prefix), filter=won),
        "cycle_count": Count("id", filter=won),
    }


# ---- summary -------------------------------------------------------------------------------


def summary(ctx: Context, filters: Filters) -> dict[str, Any]:
    """The KPI tiles (two queries; three with a product line filter)."""
    if filters.product_line is not None:
        order_row = order_lines_base(ctx, filters).aggregate(**_order_measures(True))
    else:
        order_row = orders_base(ctx, filters).aggregate(**_order_measures(False))
    opportunities = opportunities_base(ctx, filters).filter(
        _closed_in(filters) | _created_in(filters)
    )
    created = _created_in(filters)
    opp_row = opportunities.aggregate(
        **_opportunity_measures(filters, lines=False),
        new_count=Count("id", filter=created),
        new_amount=Sum("amount", filter=created),
    )
    won, lost = opp_row["won_count"], opp_row["lost_count"]
    return {
        "start": filters.start,
        "end": filters.end,
        "currency": ctx.currency,
        "order_amount": ctx.money(order_row["order_amount"]),
        "order_count": order_row["order_count"],
        "won_count": won,
        "lost_count": lost,
        "won_amount": ctx.money(opp_row["won_amount"]),
        "win_rate": _percent(won, won + lost),
        "average_cycle_days": _ratio(_days(opp_row["cycle_total"]), opp_row["cycle_count"], 1),
        "average_deal_size": (ctx.money(Decimal(opp_row["won_amount"]) / won) if won else None),
        "new_pipeline_count": opp_row["new_count"],
        "new_pipeline_amount": ctx.money(opp_row["new_amount"]),
    }


# ---- funnel --------------------------------------------------------------------------------


def funnel_pipeline(filters: Filters) -> Pipeline | None:
    """The pipeline the funnel shows: the chosen one, else the default one (one query)."""
    if filters.pipeline is not None:
        return filters.pipeline
    return Pipeline.objects.order_by("-is_default", "sort_order", "id").first()


def funnel(ctx: Context, filters: Filters) -> dict[str, Any]:
    """Opportunities created in the range in one pipeline: how many reached each stage
    (the furthest stage an opportunity ever entered counts for every stage before it),
    stage-to-stage conversion and the average days spent in each stage (four queries).

    Lost is not a step: an opportunity lost in stage 3 reached stages 1–3. One without
    any stage history counts at its current stage (the first one when it is lost)."""
    pipeline = funnel_pipeline(filters)
    if pipeline is None:
        return {"pipeline": None, "stages": [], "created": 0, "won": 0, "lost": 0}
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))
    steps = [s for s in stages if s.kind != Stage.Kind.LOST]
    if not steps:
        return {"pipeline": pipeline, "stages": [], "created": 0, "won": 0, "lost": 0}
    first = steps[0].position
    cohort = opportunities_base(ctx, filters).filter(_created_in(filters), pipeline=pipeline)
    furthest = (
        StageChange.objects.filter(opportunity=OuterRef("pk"))
        .exclude(to_stage__kind=Stage.Kind.LOST)
        .values("opportunity")
        .annotate(furthest=Max("to_stage__position"))
        .values("furthest")
    )
    current = Case(
        When(stage__kind=Stage.Kind.LOST, then=Value(first)),
        default=F("stage__position"),
        output_field=IntegerField(),
    )
    histogram = list(
        cohort.annotate(reach=Coalesce(Subquery(furthest), current, output_field=IntegerField()))
        .values("reach")
        .annotate(
            count=Count("id"),
            lost=Count("id", filter=Q(status=Opportunity.Status.LOST)),
            won=Count("id", filter=Q(status=Opportunity.Status.WON)),
        )
        .order_by("reach")
    )
    durations = {
        row["from_stage"]: row
        for row in StageChange.objects.filter(
            opportunity__in=cohort.values("pk"),
            from_stage__pipeline=pipeline,
            days_in_previous__isnull=False,
        )
        .values("from_stage")
        .annotate(average=Avg("days_in_previous"), moves=Count("id"))
        .order_by()
    }
    created = sum(row["count"] for row in histogram)
    rows: list[dict[str, Any]] = []
    for stage in steps:
        reached = sum(
            row["count"]
            for row in histogram
            if stage.position == first or (row["reach"] or first) >= stage.position
        )
        stay = durations.get(stage.pk)
        rows.append(
            {
                "stage_id": stage.pk,
                "name": stage.name,
                "kind": stage.kind,
                "reached": reached,
                "share": _percent(reached, created),
                "conversion": None,
                "average_days": (
                    Decimal(stay["average"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
                    if stay and stay["average"] is not None
                    else None
                ),
            }
        )
    for before, after in itertools.pairwise(rows):
        before["conversion"] = _percent(after["reached"], before["reached"])
    return {
        "pipeline": pipeline,
        "stages": rows,
        "created": created,
        "won": sum(row["won"] for row in histogram),
        "lost": sum(row["lost"] for row in histogram),
    }


# ---- breakdowns ----------------------------------------------------------------------------


@dataclass
class Row:
    key: Any
    label: str
    depth: int = 0
    order_amount: Decimal = ZERO
    order_count: int = 0
    quantity: Decimal | None = None
    won_count: int = 0
    lost_count: int = 0
    won_amount: Decimal = ZERO
    cycle_days: Decimal = ZERO
    cycle_count: int = 0

    def add(self, other: "Row") -> None:
        self.order_amount += other.order_amount
        self.order_count += other.order_count
        if other.quantity is not None:
            self.quantity = (self.quantity or ZERO) + other.quantity
        self.won_count += other.won_count
        self.lost_count += other.lost_count
        self.won_amount += other.won_amount
        self.cycle_days += other.cycle_days
        self.cycle_count += other.cycle_count

    def figures(self, ctx: Context) -> dict[str, Any]:
        closed = self.won_count + self.lost_count
        return {
            "key": self.key,
            "label": self.label,
            "depth": self.depth,
            "order_amount": ctx.money(self.order_amount),
            "order_count": self.order_count,
            "quantity": _plain(self.quantity) if self.quantity is not None else None,
            "won_count": self.won_count,
            "lost_count": self.lost_count,
            "won_amount": ctx.money(self.won_amount),
            "win_rate": _percent(self.won_count, closed),
            "average_deal_size": (
                ctx.money(self.won_amount / self.won_count) if self.won_count else None
            ),
            "average_cycle_days": _ratio(self.cycle_days, self.cycle_count, 1),
        }


@dataclass
class _Grouping:
    order_key: Any
    order_label: Any
    opp_key: Any
    opp_label: Any
    extra_orders: dict = field(default_factory=dict)
    extra_opps: dict = field(default_factory=dict)


def _province(prefix: str):
    region = f"{prefix}customer__region"
    return Case(
        When(
            **{f"{region}__contains": "/"},
            then=Substr(region, 1, StrIndex(region, Value("/")) - 1),
        ),
        default=F(region),
    )


def _grouping(by: str) -> tuple[Any, Any, Any, Any]:
    """``(order key, order label, opportunity key, opportunity label)`` expressions of a
    dimension; the order side reads lines (``order__``) for product dimensions."""
    if by == "employee":
        return F("owner_id"), F("owner__name"), F("owner_id"), F("owner__name")
    if by == "department":
        return F("owner_department_id"), Value(""), F("owner_department_id"), Value("")
    if by == "product":
        return (F("product_id"), F("product__name"), F("product_id"), F("product__name"))
    if by == "product_line":
        return (
            F("product__product_lines"),
            F("product__product_lines__name"),
            F("product__product_lines"),
            F("product__product_lines__name"),
        )
    if by == "region":
        return _province("order__"), Value(""), _province(""), Value("")
    trunc = TruncMonth if by == "month" else TruncQuarter
    return (
        trunc("order__order_date", output_field=DateField()),
        Value(""),
        trunc("closed_on", output_field=DateField()),
        Value(""),
    )


def _period_label(day: datetime.date, by: str) -> str:
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _periods(filters: Filters, by: str) -> list[datetime.date]:
    """The first day of every month/quarter the range touches (few: bounded by the range)."""
    step = 1 if by == "month" else 3
    day = filters.start.replace(day=1, month=filters.start.month - (filters.start.month - 1) % step)
    days = []
    while day <= filters.end:
        days.append(day)
        month = day.month - 1 + step
        day = day.replace(year=day.year + month // 12, month=month % 12 + 1)
    return days


def _key(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def breakdown(ctx: Context, filters: Filters, by: str) -> dict[str, Any]:
    """Rows of one dimension with order and opportunity figures, ordered by order amount
    (periods: in time order, empty periods included). Two queries, plus one for the
    department tree or the period of products. Departments include their sub-departments'
    figures (the order's ``owner_department`` and every ancestor)."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    order_key, order_label, opp_key, opp_label = _grouping(by)
    # the order side always reads lines when a product is involved (the amounts of that
    # product's lines); otherwise the orders themselves
    on_lines = by in PRODUCT_DIMENSIONS or filters.product_line is not None
    if on_lines:
        orders = order_lines_base(ctx, filters)
        if by not in PRODUCT_DIMENSIONS:
            order_key, order_label = _order_side_on_lines(by, order_key, order_label)
    else:
        orders = orders_base(ctx, filters)
        order_key, order_label = _order_side_on_orders(by, order_key, order_label)
    order_rows: Iterable[Any] = (
        orders.annotate(group=order_key, group_label=order_label)
        .values("group", "group_label")
        .annotate(**_order_measures(on_lines))
        .order_by()
    )
    if by in PRODUCT_DIMENSIONS:
        opps = OpportunityLine.objects.filter(
            opportunity__in=opportunities_base(ctx, filters)
            .filter(_closed_in(filters))
            .values("pk")
        )
        if filters.product_line is not None:
            opps = opps.filter(product__product_lines=filters.product_line)
        measures = _opportunity_measures(filters, lines=True)
    else:
        opps = opportunities_base(ctx, filters).filter(_closed_in(filters))
        measures = _opportunity_measures(filters, lines=False)
    opp_rows: Iterable[Any] = (
        opps.annotate(group=opp_key, group_label=opp_label)
        .values("group", "group_label")
        .annotate(**measures)
        .order_by()
    )
    rows: dict[Any, Row] = {}

    def row_for(key: Any, label: Any) -> Row:
        key = _key(key)
        if key not in rows:
            rows[key] = Row(key=key, label=label or "")
        elif label and not rows[key].label:
            rows[key].label = label
        return rows[key]

    for item in order_rows:
        row = row_for(item["group"], item["group_label"])
        row.order_amount += Decimal(item["order_amount"] or 0)
        row.order_count += item["order_count"]
        if on_lines and by in PRODUCT_DIMENSIONS:
            row.quantity = (row.quantity or ZERO) + Decimal(item["quantity"] or 0)
    for item in opp_rows:
        row = row_for(item["group"], item["group_label"])
        row.won_count += item["won_count"]
        row.lost_count += item["lost_count"]
        row.won_amount += Decimal(item["won_amount"] or 0)
        row.cycle_days += _days(item["cycle_total"])
        row.cycle_count += item["cycle_count"]

    if by == "department":
        result = _roll_up_departments(rows, filters)
    elif by in PERIOD_DIMENSIONS:
        result = []
        for day in _periods(filters, by):
            row = rows.get(day) or Row(key=day, label="")
            row.label = _period_label(day, by)
            result.append(row)
    else:
        result = sorted(rows.values(), key=lambda r: (-r.order_amount, -r.won_amount, str(r.label)))
        for row in result:
            if row.key in (None, ""):
                row.label = _none_label(by)
            elif by == "region":
                row.label = row.key
    return {"by": by, "rows": [row.figures(ctx) for row in result]}


def _order_side_on_lines(by: str, key: Any, label: Any) -> tuple[Any, Any]:
    if by == "employee":
        return F("order__owner_id"), F("order__owner__name")
    if by == "department":
        return F("order__owner_department_id"), Value("")
    return key, label  # region and periods are already on order__


def _order_side_on_orders(by: str, key: Any, label: Any) -> tuple[Any, Any]:
    if by == "region":
        return _province(""), Value("")
    if by in PERIOD_DIMENSIONS:
        trunc = TruncMonth if by == "month" else TruncQuarter
        return trunc("order_date", output_field=DateField()), Value("")
    return key, label


def _none_label(by: str) -> str:
    return {
        "employee": _("（无负责人）"),
        "product_line": _("（未归入产品线）"),
        "region": _("（未填写地区）"),
    }.get(by, _("（未填写）"))


def _roll_up_departments(rows: dict[Any, Row], filters: Filters) -> list[Row]:
    """Each department's figures plus its sub-departments' (one query for the tree).
    Shown: departments with figures, in tree order; under a department filter, its
    subtree only. Documents without a department keep a row of their own."""
    departments = Department.objects.order_by("path").values_list("pk", "name", "path", "depth")
    if filters.department is not None:
        departments = departments.filter(path__startswith=filters.department.path)
    tree = {pk: Row(key=pk, label=name, depth=depth) for pk, name, path, depth in departments}
    paths = {pk: path for pk, _name, path, _depth in departments}
    base_depth = filters.department.depth if filters.department is not None else 0
    for key, leaf in rows.items():
        if key is None:
            continue
        path = paths.get(key)
        if path is None:
            continue
        for ancestor in _ancestor_ids(path):
            if ancestor in tree:
                tree[ancestor].add(leaf)
    result = [row for row in tree.values() if _has_figures(row)]
    for row in result:
        row.depth -= base_depth
    orphan = rows.get(None)
    if orphan is not None and _has_figures(orphan):
        orphan.label = _("（未分配部门）")
        result.append(orphan)
    return result


def _ancestor_ids(path: str) -> Iterable[int]:
    return (int(part) for part in path.strip("/").split("/") if part)


def _has_figures(row: Row) -> bool:
    return bool(row.order_count or row.won_count or row.lost_count)


# ---- top customers -------------------------------------------------------------------------


def top_customers(
    ctx: Context,
    filters: Filters,
    *,
    order: str = "amount",
    limit: int = TOP_DEFAULT,
    min_base: Decimal = MIN_BASE_DEFAULT,
) -> dict[str, Any]:
    """The top ``limit`` customers by order amount in the range, or by growth against the
    period of equal length just before (one query).

    Growth ranks by percentage among customers whose earlier amount is at least
    ``min_base`` (a tiny base turns any purchase into thousands of percent), then by the
    absolute growth."""
    limit = max(1, min(int(limit), TOP_MAX))
    previous = filters.previous()
    wide = Filters(
        start=previous.start,
        end=filters.end,
        department=filters.department,
        employee=filters.employee,
        product_line=filters.product_line,
        region=filters.region,
    )
    on_lines = filters.product_line is not None
    records = order_lines_base(ctx, wide) if on_lines else orders_base(ctx, wide)
    prefix = "order__" if on_lines else ""
    date = f"{prefix}order_date"
    current = Q(**{f"{date}__gte": filters.start})
    earlier = Q(**{f"{date}__lt": filters.start})
    counted = "order_id" if on_lines else "id"
    grouped = (
        records.values(
            customer_key=F(f"{prefix}customer_id"), customer_name=F(f"{prefix}customer__name")
        )
        .annotate(
            amount=Coalesce(Sum("total", filter=current), Value(ZERO)),
            previous=Coalesce(Sum("total", filter=earlier), Value(ZERO)),
            order_count=Count(counted, filter=current, distinct=on_lines),
        )
        .order_by()
    )
    if order == "growth":
        grouped = (
            grouped.filter(previous__gte=min_base)
            .annotate(
                change=F("amount") - F("previous"),
                rate=ExpressionWrapper(
                    Cast(F("amount") - F("previous"), FloatField())
                    / Cast("previous", FloatField()),
                    output_field=FloatField(),
                ),
            )
            .order_by("-rate", "-change", "customer_key")
        )
    else:
        grouped = grouped.filter(amount__gt=0).order_by("-amount", "customer_key")
    rows = []
    for item in grouped[:limit]:
        amount, before = ctx.money(item["amount"]), ctx.money(item["previous"])
        rows.append(
            {
                "customer_id": item["customer_key"],
                "name": item["customer_name"],
                "amount": amount,
                "order_count": item["order_count"],
                "previous_amount": before,
                "growth": amount - before,
                "growth_rate": _percent(amount - before, before) if before >= min_base else None,
            }
        )
    return {
        "order": order,
        "previous_start": previous.start,
        "previous_end": previous.end,
        "min_base": ctx.money(min_base),
        "rows": rows,
    }
