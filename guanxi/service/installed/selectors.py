"""Reads of installed products: who sees one follows who sees its customer.

A record is visible when the employee has ``installed_products.view`` and its customer
is visible to them (the ``customers`` data scope, on the customer's owner and
department), and the customer is not in the recycle bin.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy
from guanxi.service.installed.models import InstalledProduct

MODULE = "installed_products"
# a warranty ending within this many days is "expiring" (即将过保)
EXPIRING_DAYS = 30


class Warranty:
    """The warranty states shown as badges and used by the ``warranty`` filter."""

    IN = "in"
    OUT = "out"
    EXPIRING = "expiring"
    NONE = "none"
    LABELS = {
        IN: _("在保"),
        OUT: _("过保"),
        EXPIRING: _("即将过保"),
        NONE: _("无保修信息"),
    }
    CHOICES = [(IN, LABELS[IN]), (EXPIRING, LABELS[EXPIRING]), (OUT, LABELS[OUT])]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, kept on the last day of a shorter month
    (2026-01-31 + 1 month = 2026-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days


def warranty_end_for(install_date: datetime.date | None, months: int | None):
    """The last day of a warranty of ``months`` starting on ``install_date`` (None
    without either)."""
    if install_date is None or not months:
        return None
    return add_months(install_date, int(months)) - datetime.timedelta(days=1)


def warranty_state(warranty_end: datetime.date | None, today: datetime.date | None = None) -> str:
    if warranty_end is None:
        return Warranty.NONE
    today = today or timezone.localdate()
    if warranty_end < today:
        return Warranty.OUT
    if warranty_end <= today + datetime.timedelta(days=EXPIRING_DAYS):
        return Warranty.EXPIRING
    return Warranty.IN


def warranty_q(state: str, today: datetime.date | None = None) -> Q:
    """Records in warranty ``state`` (``in`` includes those expiring soon)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    if state == Warranty.OUT:
        return Q(warranty_end__lt=today)
    if state == Warranty.EXPIRING:
        return Q(warranty_end__gte=today, warranty_end__lte=soon)
    if state == Warranty.IN:
        return Q(warranty_end__gte=today)
    return Q()


def customer_visible_q(employee) -> Q | None:
    """The records whose customer ``employee`` may see (None: every customer)."""
    return policy.visible_q(
        employee, "customers", owner="customer__owner", department="customer__department"
    )


def installed_queryset(*, employee, deleted=False) -> QuerySet[InstalledProduct]:
    """Installed products ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = (
        InstalledProduct.with_deleted.filter(deleted_at__isnull=False)
        if deleted
        else InstalledProduct.objects.all()
    )
    if not (policy.can(employee, f"{MODULE}.view") and policy.can(employee, "customers.view")):
        return base.none()
    queryset = base.filter(customer__deleted_at__isnull=True).select_related(
        "customer", "product", "contact"
    )
    scope = customer_visible_q(employee)
    return queryset if scope is None else queryset.filter(scope)


def access_installed(employee, pk, *, write=False, deleted=False) -> InstalledProduct:
    """The record if ``employee`` may see it (and edit installed products when
    ``write``); else 404 (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return installed_queryset(employee=employee, deleted=deleted).get(pk=int(pk))
    except (InstalledProduct.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def customer_installed(*, employee, customer_id, limit=10) -> list[InstalledProduct]:
    """The customer's latest installed products ``employee`` may see (one query)."""
    return list(
        installed_queryset(employee=employee)
        .filter(customer_id=customer_id)
        .select_related(None)
        .select_related("product")
        .order_by("-id")[:limit]
    )


def customer_items_for_picker(*, customer_id) -> list[dict[str, Any]]:
    """The customer's live installed products, for a coverage picker (one query)."""
    rows = (
        InstalledProduct.objects.filter(customer_id=customer_id)
        .select_related("product")
        .only("id", "code", "serial_number", "status", "product__name", "product__code")
        .order_by("product__name", "serial_number", "id")
    )
    return [
        {
            "id": row.pk,
            "label": str(row),
            "code": row.code,
            "product_id": row.product_id,
            "status": row.status,
        }
        for row in rows
    ]
