"""Reads of repairs, packing lists, service outlets and fee lists: scoped querysets, the
access checks, the outlet a region routes to, and the prices a fee list gives."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from guanxi.catalog.models import Product
from guanxi.core import regions
from guanxi.orgs import policy
from guanxi.service.repairs.models import (
    FeeList,
    FeeListItem,
    PackingLine,
    PackingList,
    Repair,
    RepairPart,
    ServiceOutlet,
)

MODULE = "repairs"
OUTLETS = "service_outlets"
SETUP = "service_setup"


def _pk(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


# ---- repairs -------------------------------------------------------------------------


def repair_queryset(*, employee: Any) -> QuerySet[Repair]:
    """Repairs ``employee`` may see (data scope by technician and department)."""
    qs = Repair.objects.select_related(
        "customer", "product", "outlet", "owner", "owner_department", "ticket", "installed_product"
    )
    return policy.scope_queryset(employee, MODULE, qs)


def with_parts(queryset: QuerySet[Repair]) -> QuerySet[Repair]:
    return queryset.prefetch_related(
        Prefetch("parts", queryset=RepairPart.objects.select_related("product"))
    )


def access_repair(employee: Any, pk: Any, *, write: bool = False) -> Repair:
    """The repair if ``employee`` may see it (and edit repairs when ``write``); else
    404 (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return repair_queryset(employee=employee).get(pk=_pk(pk))
    except Repair.DoesNotExist as exc:
        raise Http404 from exc


def customer_repairs(*, employee: Any, customer_id: int, limit: int = 10) -> list[Repair]:
    """The customer's latest repairs ``employee`` may see (one query)."""
    return list(
        repair_queryset(employee=employee)
        .filter(customer_id=customer_id)
        .select_related(None)
        .select_related("product", "owner")
        .order_by("-id")[:limit]
    )


def installed_product_repairs(*, employee: Any, installed_product_id: int) -> QuerySet[Repair]:
    """The repairs of one installed product ``employee`` may see, newest first."""
    return (
        repair_queryset(employee=employee)
        .filter(installed_product_id=installed_product_id)
        .select_related(None)
        .select_related("owner", "outlet")
        .order_by("-received_on", "-id")
    )


# ---- packing lists -------------------------------------------------------------------


def packing_list_queryset(*, employee: Any) -> QuerySet[PackingList]:
    """Packing lists ``employee`` may see (module ``repairs``, by who made them)."""
    qs = PackingList.objects.select_related("customer", "repair", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def with_lines(queryset: QuerySet[PackingList]) -> QuerySet[PackingList]:
    return queryset.prefetch_related(
        Prefetch("lines", queryset=PackingLine.objects.select_related("product"))
    )


def access_packing_list(employee: Any, pk: Any, *, write: bool = False) -> PackingList:
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return packing_list_queryset(employee=employee).get(pk=_pk(pk))
    except PackingList.DoesNotExist as exc:
        raise Http404 from exc


# ---- outlets -------------------------------------------------------------------------


def outlet_queryset(*, employee: Any) -> QuerySet[ServiceOutlet]:
    """Service outlets (not owned: everyone with ``service_outlets.view`` sees all)."""
    if not policy.can(employee, f"{OUTLETS}.view"):
        return ServiceOutlet.objects.none()
    return ServiceOutlet.objects.select_related("manager", "fee_list")


def access_outlet(employee: Any, pk: Any, *, write: bool = False) -> ServiceOutlet:
    policy.require(employee, f"{OUTLETS}.edit" if write else f"{OUTLETS}.view")
    try:
        return outlet_queryset(employee=employee).get(pk=_pk(pk))
    except ServiceOutlet.DoesNotExist as exc:
        raise Http404 from exc


def region_words(text: str | None) -> list[str]:
    """A region text as its words in canonical form: ``广东 深圳`` → ``[广东省, 深圳市]``."""
    return [word for word in regions.canonical(text or "").split() if word]


@dataclass(frozen=True)
class OutletMatch:
    outlet: ServiceOutlet
    prefix: str  # the coverage entry that matched
    open_repairs: int


def outlet_match(*, region: str | None) -> OutletMatch | None:
    """The active outlet covering ``region`` by the longest coverage prefix; among equal
    prefixes the one with the fewest open repairs (then the lowest code). Two queries."""
    words = region_words(region)
    if not words:
        return None
    candidates: list[tuple[int, ServiceOutlet, str]] = []
    for outlet in ServiceOutlet.objects.filter(active=True).order_by("code", "id"):
        best = ""
        best_len = 0
        for entry in outlet.coverage or []:
            entry_words = region_words(entry)
            matches = entry_words and words[: len(entry_words)] == entry_words
            if matches and len(entry_words) > best_len:
                best, best_len = " ".join(entry_words), len(entry_words)
        if best_len:
            candidates.append((best_len, outlet, best))
    if not candidates:
        return None
    longest = max(length for length, _outlet, _prefix in candidates)
    tied = [(outlet, prefix) for length, outlet, prefix in candidates if length == longest]
    loads = _open_repairs([outlet.pk for outlet, _prefix in tied]) if len(tied) > 1 else {}
    outlet, prefix = min(tied, key=lambda pair: (loads.get(pair[0].pk, 0), pair[0].code))
    return OutletMatch(outlet=outlet, prefix=prefix, open_repairs=loads.get(outlet.pk, 0))


def outlet_for(*, region: str | None) -> ServiceOutlet | None:
    """The outlet that serves ``region`` (see ``outlet_match``), or None."""
    match = outlet_match(region=region)
    return match.outlet if match else None


def _open_repairs(outlet_ids: list[int]) -> dict[int, int]:
    rows = (
        Repair.objects.filter(outlet_id__in=outlet_ids, status__in=Repair.OPEN_STATUSES)
        .values("outlet_id")
        .annotate(n=Count("id"))
    )
    return {row["outlet_id"]: row["n"] for row in rows}


def open_repair_counts(outlet_ids: list[int]) -> dict[int, int]:
    return _open_repairs(outlet_ids)


# ---- fee lists -----------------------------------------------------------------------


def fee_list_queryset(*, employee: Any) -> QuerySet[FeeList]:
    if not policy.can(employee, f"{SETUP}.view"):
        return FeeList.objects.none()
    return FeeList.objects.all()


def with_items(queryset: QuerySet[FeeList]) -> QuerySet[FeeList]:
    return queryset.prefetch_related(
        Prefetch("items", queryset=FeeListItem.objects.select_related("product"))
    )


def access_fee_list(employee: Any, pk: Any, *, write: bool = False) -> FeeList:
    policy.require(employee, f"{SETUP}.edit" if write else f"{SETUP}.view")
    try:
        return fee_list_queryset(employee=employee).get(pk=_pk(pk))
    except FeeList.DoesNotExist as exc:
        raise Http404 from exc


def default_fee_list() -> FeeList | None:
    return FeeList.objects.filter(is_default=True, active=True).first()


def fee_list_for(outlet: ServiceOutlet | None) -> FeeList | None:
    """The outlet's fee list when it has an active one, else the org's default."""
    if outlet is not None and outlet.fee_list_id is not None:
        fee_list = FeeList.objects.filter(pk=outlet.fee_list_id, active=True).first()
        if fee_list is not None:
            return fee_list
    return default_fee_list()


def part_prices(fee_list: FeeList | None, product_ids: list[int]) -> dict[int, Decimal]:
    """The fee list's part prices of these products (one query; {} without a list)."""
    if fee_list is None or not product_ids:
        return {}
    rows = FeeListItem.objects.filter(fee_list=fee_list, product_id__in=product_ids)
    return {row.product_id: row.price for row in rows}


def products_by_id(product_ids: list[int]) -> dict[int, Product]:
    return {p.pk: p for p in Product.objects.filter(pk__in=product_ids)}
