"""Reads of opportunities and pipelines, always through the employee's data scope."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from guanxi.orgs import policy
from guanxi.sales.opportunities.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Opportunity,
    Pipeline,
    Stage,
    StageChange,
)

MODULE = "opportunities"
CARDS_PER_COLUMN = 50
CENT = Decimal(1).scaleb(-MONEY_PLACES)
ZERO = Decimal(0)
_MONEY = DecimalField(max_digits=MONEY_DIGITS + 4, decimal_places=MONEY_PLACES + 2)


def money(value):
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def opportunity_queryset(*, employee, deleted=False):
    """Opportunities ``employee`` may see (data scope of ``opportunities``), with the rows
    a list shows. ``deleted``: the recycle bin's too."""
    manager = Opportunity.with_deleted if deleted else Opportunity.objects
    return policy.scope_queryset(employee, MODULE, manager.all()).select_related(
        "customer", "stage", "owner"
    )


def deleted_opportunities(*, employee, limit=200):
    """The recycle bin: deleted opportunities in ``employee``'s scope, latest deleted
    first (one query; the newest ``limit``, as the customers' bin)."""
    return list(
        opportunity_queryset(employee=employee, deleted=True)
        .filter(deleted_at__isnull=False)
        .order_by("-deleted_at", "-pk")[:limit]
    )


def access_opportunity(employee, pk, *, write=False, deleted=False):
    """The opportunity, if ``employee`` may see it (and edit it when ``write``); else
    404 (not found / not in scope) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    opportunity = (
        opportunity_queryset(employee=employee, deleted=deleted)
        .select_related("pipeline", "contact", "owner_department")
        .filter(pk=pk)
        .first()
    )
    if opportunity is None:
        raise Http404
    return opportunity


def pipelines(*, active_only=True):
    """The org's pipelines (the org scope is open), default first."""
    queryset = Pipeline.objects.all()
    if active_only:
        queryset = queryset.filter(is_active=True)
    return list(queryset.order_by("-is_default", "sort_order", "id"))


def stages_of(pipeline, *, active_only=False):
    queryset = Stage.objects.filter(pipeline=pipeline)
    if active_only:
        queryset = queryset.filter(is_active=True)
    return list(queryset.order_by("position", "id"))


def weighted_expression():
    """amount × probability: the weighted amount times 100. Divided in Python
    (``weighted``): SQLite keeps whole amounts as integers and would divide them as such."""
    return ExpressionWrapper(F("amount") * F("probability"), output_field=_MONEY)


def weighted(value):
    return money(Decimal(value or 0) / 100)


def _totals(queryset):
    row = queryset.aggregate(
        n=Count("id"),
        sum_amount=Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY),
        sum_weighted=Coalesce(Sum(weighted_expression()), Value(ZERO), output_field=_MONEY),
    )
    return {
        "count": row["n"],
        "amount": money(row["sum_amount"]),
        "weighted": weighted(row["sum_weighted"]),
    }


def stage_totals(queryset):
    """``{stage_id: {"count", "amount", "weighted"}}`` of ``queryset`` (one query)."""
    rows = (
        queryset.order_by()
        .values("stage_id")
        .annotate(
            n=Count("id"),
            sum_amount=Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY),
            sum_weighted=Coalesce(Sum(weighted_expression()), Value(ZERO), output_field=_MONEY),
        )
    )
    return {
        row["stage_id"]: {
            "count": row["n"],
            "amount": money(row["sum_amount"]),
            "weighted": weighted(row["sum_weighted"]),
        }
        for row in rows
    }


def kanban_columns(*, employee, pipeline, queryset, stage_ids=None, limit=CARDS_PER_COLUMN):
    """The kanban's columns of ``pipeline``: each stage (active ones, and inactive ones
    still holding cards) with its totals (count, amount, weighted amount) and its first
    ``limit`` cards, closing soonest first. ``queryset`` is the filtered, scoped list.
    ``stage_ids`` limits the columns built (a drop refreshes two). Queries: stages,
    totals, then one per column for the cards — constant whatever the row count."""
    stages = stages_of(pipeline)
    in_pipeline = queryset.filter(pipeline=pipeline)
    totals = stage_totals(in_pipeline)
    columns = []
    for stage in stages:
        if stage_ids is not None and stage.pk not in stage_ids:
            continue
        total = totals.get(stage.pk, {"count": 0, "amount": money(0), "weighted": money(0)})
        if not stage.is_active and not total["count"]:
            continue
        columns.append({"stage": stage, **total})
    if columns:
        wanted = [c["stage"].pk for c in columns]
        cards = _cards(in_pipeline, wanted, limit)
        for column in columns:
            column["cards"] = cards.get(column["stage"].pk, [])
            column["more"] = column["count"] - len(column["cards"])
    return columns


def _cards(queryset, stage_ids, limit):
    """Up to ``limit`` cards per stage, in one query (a window over the stages)."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    ranked = (
        queryset.filter(stage_id__in=stage_ids)
        .select_related(None)
        .select_related("customer", "owner")
        .only(
            "id", "code", "name", "amount", "currency", "probability", "expected_close_date",
            "stage_id", "status", "version", "customer__name", "owner__name",
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("expected_close_date").asc(nulls_last=True), F("id").desc()],
            )
        )
    )  # fmt: skip
    cards: dict[int, list] = {}
    for opportunity in ranked.filter(rank__lte=limit).order_by("stage_id", "rank"):
        cards.setdefault(opportunity.stage_id, []).append(opportunity)
    return cards


def funnel(*, queryset, pipeline):
    """Per stage of ``pipeline`` in order: ``name``, ``kind``, ``count``, ``amount``,
    ``weighted`` of ``queryset`` (two queries)."""
    totals = stage_totals(queryset.filter(pipeline=pipeline))
    rows = []
    for stage in stages_of(pipeline):
        total = totals.get(stage.pk, {"count": 0, "amount": money(0), "weighted": money(0)})
        if not stage.is_active and not total["count"]:
            continue
        rows.append({"stage": stage, **total})
    return rows


def stage_history(opportunity):
    """The opportunity's stage moves, oldest first (one query)."""
    return list(
        StageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("changed_at", "id")
    )


def customer_summary(*, employee, customer_id, limit=10):
    """The customer 360 panel: open opportunities in the employee's scope (up to ``limit``)
    and their totals, in two queries."""
    scoped = opportunity_queryset(employee=employee).filter(
        customer_id=customer_id, status=Opportunity.Status.OPEN
    )
    totals = _totals(scoped)
    rows = list(scoped.order_by(F("expected_close_date").asc(nulls_last=True), "-id")[:limit])
    return {"rows": rows, **totals}


def my_pipeline(employee, today=None):
    """The start page's 我的商机: the employee's own open opportunities — count, amount,
    weighted amount, and those expected to close this month (one query)."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    this_month = Q(expected_close_date__gte=start, expected_close_date__lt=end)
    row = Opportunity.objects.filter(owner=employee, status=Opportunity.Status.OPEN).aggregate(
        n=Count("id"),
        sum_amount=Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY),
        sum_weighted=Coalesce(Sum(weighted_expression()), Value(ZERO), output_field=_MONEY),
        month_count=Count("id", filter=this_month),
        month_amount=Coalesce(Sum("amount", filter=this_month), Value(ZERO), output_field=_MONEY),
    )
    return {
        "count": row["n"],
        "amount": money(row["sum_amount"]),
        "weighted": weighted(row["sum_weighted"]),
        "month_count": row["month_count"],
        "month_amount": money(row["month_amount"]),
        "month_start": start,
        "month_end": end - datetime.timedelta(days=1),
    }
