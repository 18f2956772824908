"""Reads of contracts: scoped querysets and the access check (module ``contracts``)."""

from django.db.models import Prefetch
from django.http import Http404

from guanxi.orgs import policy
from guanxi.sales.contracts.models import Contract, ContractAttachment, ContractLine, Instalment

MODULE = "contracts"


def contract_queryset(*, employee, deleted=False):
    """Contracts ``employee`` may see (data scope by owner and owner department)."""
    base = Contract.with_deleted.filter(deleted_at__isnull=False) if deleted else Contract.objects
    qs = base.select_related("customer", "contact", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def access_contract(employee, pk, *, write=False, deleted=False):
    """The contract if ``employee`` may see it (and edit contracts when ``write``); else
    404 (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return contract_queryset(employee=employee, deleted=deleted).get(pk=int(pk))
    except (Contract.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def with_details(queryset):
    """Lines (with products), instalments and live files, in three more queries."""
    return queryset.prefetch_related(
        Prefetch("lines", queryset=ContractLine.objects.select_related("product")),
        Prefetch("instalments", queryset=Instalment.objects.all()),
        Prefetch(
            "attachments",
            queryset=ContractAttachment.objects.select_related("uploaded_by"),
        ),
    )


def access_attachment(employee, pk):
    """A live file of a contract ``employee`` may see; else 404."""
    policy.require(employee, f"{MODULE}.view")
    try:
        attachment = ContractAttachment.objects.get(pk=int(pk))
    except (ContractAttachment.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if not contract_queryset(employee=employee).filter(pk=attachment.contract_id).exists():
        raise Http404
    return attachment


def customer_contracts(*, employee, customer_id, limit=10):
    """The customer's latest contracts ``employee`` may see (one query)."""
    return list(
        contract_queryset(employee=employee)
        .filter(customer_id=customer_id)
        .select_related(None)
        .select_related("owner")
        .order_by("-id")[:limit]
    )
