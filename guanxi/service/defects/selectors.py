"""Reads of product defects: the scoped queryset (module ``defects``, not owned: all of
the org's defects), the access check, a ticket's defects, and the statistics for R&D
(counts per product and a monthly trend, each one GROUP BY query)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.orgs import policy
from guanxi.service.defects.filters import DefectFilter
from guanxi.service.defects.models import Defect, DefectTicket

MODULE = "defects"
TREND_MONTHS = 12


def _pk(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def defect_queryset(*, employee: Any) -> QuerySet[Defect]:
    """Defects ``employee`` may see, with the product and people of a list row and the
    number of linked tickets (``ticket_count``)."""
    qs = Defect.objects.select_related("product", "owner", "reported_by", "duplicate_of").annotate(
        ticket_count=Count("ticket_links", distinct=True)
    )
    return policy.scope_queryset(employee, MODULE, qs)


def access_defect(employee: Any, pk: Any, *, write: bool = False) -> Defect:
    """The defect if ``employee`` may see it (and edit defects when ``write``); else 404
    (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return defect_queryset(employee=employee).get(pk=_pk(pk))
    except Defect.DoesNotExist as exc:
        raise Http404 from exc


def defect_list(*, employee: Any, filters: Any = None) -> QuerySet[Defect]:
    """The defects ``employee`` may see narrowed by ``filters`` (see ``DefectFilter``),
    newest first. Invalid filters raise a ValidationError naming them."""
    queryset = defect_queryset(employee=employee).order_by("-id")
    found = DefectFilter(filters or {}, queryset=queryset)
    if not found.is_valid():
        raise ValidationError(dict(found.errors.get_json_data()), code="invalid")
    return found.qs


def defect_tickets(*, defect: Defect) -> QuerySet[DefectTicket]:
    """The tickets linked to ``defect``, newest link first."""
    return DefectTicket.objects.filter(defect=defect).select_related(
        "ticket", "ticket__customer", "linked_by"
    )


def ticket_defects(*, employee: Any, ticket_id: int) -> list[Defect]:
    """The defects linked to one ticket that ``employee`` may see (one query)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return []
    return list(
        defect_queryset(employee=employee).filter(ticket_links__ticket_id=ticket_id).order_by("-id")
    )


def duplicate_choices(*, employee: Any, defect: Defect, limit: int = 200) -> list[Defect]:
    """Defects this one may be marked a duplicate of: the same product's others."""
    return list(
        Defect.objects.filter(product_id=defect.product_id)
        .exclude(pk=defect.pk)
        .exclude(status=Defect.Status.DUPLICATE)
        .order_by("-id")[:limit]
    )


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    first = today.replace(day=1)
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = first.year, first.month - back
        while month <= 0:
            month += 12
            year -= 1
        starts.append(datetime.date(year, month, 1))
    return starts


def product_counts(*, employee: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Per product: all defects, open defects (open, confirmed, in fix), critical open
    ones and the tickets linked to its defects; most open first. Two GROUP BY queries."""
    policy.require(employee, f"{MODULE}.view")
    open_q = Q(status__in=Defect.OPEN_STATUSES)
    rows = list(
        policy.scope_queryset(employee, MODULE, Defect.objects.all())
        .values("product_id", "product__name", "product__code")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=open_q),
            critical=Count("id", filter=open_q & Q(severity=Defect.Severity.CRITICAL)),
        )
        .order_by("-open", "-total", "product__name")[:limit]
    )
    tickets = dict(
        DefectTicket.objects.filter(
            defect__deleted_at__isnull=True,
            defect__product_id__in=[row["product_id"] for row in rows],
        )
        .values("defect__product_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .values_list("defect__product_id", "n")
    )
    return [
        {
            "product": row["product_id"],
            "product_name": row["product__name"],
            "product_code": row["product__code"],
            "total": row["total"],
            "open": row["open"],
            "critical": row["critical"],
            "tickets": tickets.get(row["product_id"], 0),
        }
        for row in rows
    ]


def monthly_trend(
    *, employee: Any, product: Any = None, months: int = TREND_MONTHS
) -> list[dict[str, Any]]:
    """Defects reported and tickets linked per month over the last ``months`` months
    (this one included, oldest first; months without any show 0), optionally for one
    ``product``. Two GROUP BY queries."""
    policy.require(employee, f"{MODULE}.view")
    starts = _month_starts(timezone.localdate(), months)
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    defects = policy.scope_queryset(employee, MODULE, Defect.objects.all()).filter(
        created_at__gte=since
    )
    links = DefectTicket.objects.filter(linked_at__gte=since, defect__deleted_at__isnull=True)
    if product not in (None, ""):
        product_id = _product_id(product)
        defects = defects.filter(product_id=product_id)
        links = links.filter(defect__product_id=product_id)
    reported = _by_month(defects, "created_at")
    linked = _by_month(links, "linked_at")
    return [
        {
            "month": start.strftime("%Y-%m"),
            "defects": reported.get(start, 0),
            "tickets": linked.get(start, 0),
        }
        for start in starts
    ]


def _product_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"product": [_("产品不存在。")]}, code="invalid") from exc


def _by_month(queryset: QuerySet, field: str) -> dict[datetime.date, int]:
    counted = (
        queryset.annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    result: dict[datetime.date, int] = {}
    for month, n in counted:
        day = month.date() if isinstance(month, datetime.datetime) else month
        result[day] = result.get(day, 0) + n
    return result


def stats(*, employee: Any, product: Any = None) -> dict[str, Any]:
    """The statistics page and ``/api/v1/defects/stats``: totals, per product counts and
    the monthly trend (five queries whatever the number of defects)."""
    products = product_counts(employee=employee)
    trend = monthly_trend(employee=employee, product=product)
    totals = policy.scope_queryset(employee, MODULE, Defect.objects.all()).aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=Defect.OPEN_STATUSES)),
        critical=Count(
            "id",
            filter=Q(status__in=Defect.OPEN_STATUSES, severity=Defect.Severity.CRITICAL),
        ),
    )
    return {"totals": totals, "products": products, "trend": trend}
