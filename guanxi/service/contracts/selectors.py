"""Reads of service contracts: scoped querysets, the access check (module
``service_contracts``, owner / owner department), coverage and visits used."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guanxi.orgs import policy
from guanxi.service.contracts.models import ServiceContract, ServiceContractItem
from guanxi.service.installed.models import InstalledProduct

MODULE = "service_contracts"
# ticket categories (dictionary ``ticket_category``) that are on-site service
ONSITE_CATEGORIES = ("repair", "installation")
# "expiring soon" on the list: ending within this many days
EXPIRING_DAYS = 30


def contract_queryset(*, employee, deleted=False) -> QuerySet[ServiceContract]:
    """Service contracts ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = (
        ServiceContract.with_deleted.filter(deleted_at__isnull=False)
        if deleted
        else ServiceContract.objects.all()
    )
    queryset = base.select_related("customer", "contact", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, queryset)


def with_items(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "items",
            queryset=ServiceContractItem.objects.select_related(
                "installed_product", "installed_product__product", "product"
            ),
        )
    )


def access_contract(employee, pk, *, write=False, deleted=False) -> ServiceContract:
    """The contract if ``employee`` may see it (and edit service contracts when
    ``write``); else 404 (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return contract_queryset(employee=employee, deleted=deleted).get(pk=int(pk))
    except (ServiceContract.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def expiring_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(
        status=ServiceContract.Status.ACTIVE,
        end_date__gte=today,
        end_date__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
    )


def coverage_of(contract) -> tuple[set[int], set[int]]:
    """``(installed product ids, product ids)`` the contract names (its prefetched items
    when there, else one query)."""
    installed, products = set(), set()
    for item in contract.items.all():
        if item.installed_product_id:
            installed.add(item.installed_product_id)
        else:
            products.add(item.product_id)
    return installed, products


def covered_q(contract, installed_ids, product_ids, *, prefix="") -> Q:
    """Records (tickets, repairs…) about the contract's coverage: one of its installed
    products, or any of the customer's units of a covered product."""
    q = Q(**{f"{prefix}pk__in": []})
    if installed_ids:
        q |= Q(**{f"{prefix}installed_product_id__in": sorted(installed_ids)})
    if product_ids:
        ids = sorted(product_ids)
        q |= Q(**{f"{prefix}customer_id": contract.customer_id}) & (
            Q(**{f"{prefix}installed_product__product_id__in": ids})
            | Q(**{f"{prefix}product_id__in": ids})
        )
    return q


@dataclass(frozen=True)
class VisitCounter:
    key: str
    # (contract, installed ids, product ids) -> on-site visits in the contract's period
    count: Callable[[ServiceContract, set[int], set[int]], int]


_COUNTERS: dict[str, VisitCounter] = {}


def register_visits(key, count) -> None:
    """Add a source of on-site visits (the repairs module registers its repairs)."""
    _COUNTERS[key] = VisitCounter(key, count)


def _ticket_visits(contract, installed_ids, product_ids) -> int:
    from guanxi.service.tickets.models import Ticket

    if not installed_ids and not product_ids:
        return 0
    return (
        Ticket.objects.filter(
            category__in=ONSITE_CATEGORIES,
            created_at__date__gte=contract.start_date,
            created_at__date__lte=contract.end_date,
        )
        .filter(covered_q(contract, installed_ids, product_ids))
        .count()
    )


register_visits("tickets", _ticket_visits)


def visits_used(contract) -> int:
    """On-site services on the covered items within the contract's period: tickets of
    category repair or installation, and whatever other modules registered."""
    installed_ids, product_ids = coverage_of(contract)
    return sum(
        counter.count(contract, installed_ids, product_ids) for counter in _COUNTERS.values()
    )


def visits_left(contract, used=None) -> int | None:
    if contract.visits_included is None:
        return None
    used = visits_used(contract) if used is None else used
    return max(contract.visits_included - used, 0)


def linked_tickets(*, employee, contract, limit=50) -> list:
    """Tickets about the covered items in the contract's period, within the employee's
    ``tickets`` data scope (one query)."""
    from guanxi.service.tickets.models import Ticket

    installed_ids, product_ids = coverage_of(contract)
    if not installed_ids and not product_ids:
        return []
    queryset = Ticket.objects.filter(
        created_at__date__gte=contract.start_date, created_at__date__lte=contract.end_date
    ).filter(covered_q(contract, installed_ids, product_ids))
    queryset = policy.scope_queryset(
        employee, "tickets", queryset, owner="assignee", department="team"
    )
    return list(
        queryset.only("id", "code", "subject", "status", "category", "created_at").order_by(
            "-created_at", "-id"
        )[:limit]
    )


def renewal_chain(contract) -> list[ServiceContract]:
    """The contracts this one renews (oldest first), itself, and its renewals (at most
    a dozen each way, one query per step)."""
    earlier: list[ServiceContract] = []
    current = contract
    for _step in range(12):
        if current.renewal_of_id is None:
            break
        found = ServiceContract.objects.filter(pk=current.renewal_of_id).first()
        if found is None:
            break
        earlier.insert(0, found)
        current = found
    later: list[ServiceContract] = []
    current = contract
    for _step in range(12):
        found = (
            ServiceContract.objects.filter(renewal_of_id=current.pk)
            .exclude(status=ServiceContract.Status.CANCELLED)
            .order_by("-id")
            .first()
        )
        if found is None:
            break
        later.append(found)
        current = found
    return [*earlier, contract, *later]


def contracts_covering(*, installed_ids=(), product_ids=(), customer_id=None):
    """Contracts whose items name one of ``installed_ids`` or one of ``product_ids``
    (for ``customer_id``), live, any status."""
    q = Q(pk__in=[])
    if installed_ids:
        q |= Q(items__installed_product_id__in=list(installed_ids))
    if product_ids:
        q |= Q(items__product_id__in=list(product_ids), customer_id=customer_id)
    return ServiceContract.objects.filter(q).distinct()


def installed_contract_history(*, employee, item) -> list:
    """The service history section of an installed product: contracts covering it
    (directly, or through its product) that ``employee`` may see."""
    from guanxi.service.installed.history import HistoryEntry, link

    queryset = policy.scope_queryset(
        employee,
        MODULE,
        contracts_covering(
            installed_ids=[item.pk], product_ids=[item.product_id], customer_id=item.customer_id
        ),
    )
    rows = list(
        queryset.only("id", "code", "title", "status", "start_date", "end_date").order_by(
            "-start_date", "-id"
        )[:50]
    )
    return [
        HistoryEntry(
            code=contract.code,
            title=f"{contract.title}（{contract.start_date:%Y-%m-%d} ~ {contract.end_date:%Y-%m-%d}）",  # noqa: E501
            status=str(contract.get_status_display()),
            date=contract.start_date,
            url=link("service_contracts:contract_detail", contract.pk),
        )
        for contract in rows
    ]


def customer_contracts(*, employee, customer_id, limit=10) -> list[ServiceContract]:
    """The customer's latest service contracts ``employee`` may see (one query)."""
    return list(
        contract_queryset(employee=employee)
        .filter(customer_id=customer_id)
        .select_related(None)
        .order_by("-end_date", "-id")[:limit]
    )


def installed_choices(*, customer_id) -> list[InstalledProduct]:
    """The customer's live installed products, for the coverage picker (one query)."""
    return list(
        InstalledProduct.objects.filter(customer_id=customer_id)
        .select_related("product")
        .order_by("product__name", "serial_number", "id")
    )
