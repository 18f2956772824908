"""Reads of contracts: scoped querysets and the access check (module ``contracts``)."""

import datetime

from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy
from guanxi.sales import startcards
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


def my_contracts_needing_attention(*, employee, today=None, limit=8):
    """The start page's 我的合同: the employee's own contracts waiting for approval, in
    effect and ending within 30 days, or not signed yet (draft, rejected or in effect
    without a signing date), with the count of each (one query; None without
    ``contracts.view`` or when there is none)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    today = today or timezone.localdate()
    S = Contract.Status
    reasons = [
        startcards.Reason("pending", _("待审批"), Q(status=S.PENDING), "warning"),
        startcards.Reason(
            "ending",
            _("30天内到期"),
            Q(
                status=S.EFFECTIVE,
                end_date__gte=today,
                end_date__lte=today + datetime.timedelta(days=30),
            ),
            "danger",
        ),
        startcards.Reason(
            "unsigned",
            _("未签订"),
            Q(signed_on__isnull=True, status__in=[S.DRAFT, S.REJECTED, S.EFFECTIVE]),
            "secondary",
        ),
    ]
    return startcards.attention(
        Contract.objects.filter(owner_id=employee.pk).select_related("customer"),
        reasons,
        date_field="end_date",
        url=lambda contract: reverse("contracts:contract_detail", args=[contract.pk]),
        text=lambda contract: f"{contract.code} · {contract.customer.name}",
        limit=limit,
    )
