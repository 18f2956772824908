"""What contracts add to other modules, registered from ``ContractsConfig.ready()``:
the approval document type, a card on the customer 360° page (loaded after the page, so
it costs the page no query), the merge and handover steps, and follow-up targets."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.contracts import selectors, services
from guanxi.sales.contracts.models import Contract
from guanxi.sales.ownership import hand_over
from guanxi.workspace import start, targets

OPEN = (
    Contract.Status.DRAFT,
    Contract.Status.PENDING,
    Contract.Status.REJECTED,
    Contract.Status.EFFECTIVE,
)
CARD = "contracts/_customer_card.html"


def customer_card(customer, employee):
    if not policy.can(employee, "contracts.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return Contract.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' contracts (deleted ones too) go to the survivor."""
    return Contract.with_deleted.filter(customer_id__in=list(from_ids)).update(
        customer_id=survivor.pk
    )


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's open contracts (of those customers, or all) go to the
    successor (``sales.ownership.hand_over``)."""
    queryset = Contract.objects.filter(owner_id=from_employee.pk, status__in=OPEN)
    return len(hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor))


def _start_card(employee):
    """我的合同: the employee's own records waiting for something (one query)."""
    card = selectors.my_contracts_needing_attention(employee=employee)
    if card is None:
        return None
    return {
        **card,
        "title": _("我的合同"),
        "icon": "bi-file-earmark-check",
        "testid": "contracts-start-card",
        "list_url": f"{reverse('contracts:contract_list')}?owner={employee.pk}",
    }


def register():
    services.register()
    extensions.register_panel(
        extensions.Panel(key="contracts", template=CARD, context=customer_card, order=50)
    )
    extensions.register_related(
        extensions.Related(
            key="contracts", label=_("合同"), count=count_linked, move=move_linked, order=50
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="contracts", label=_("未结束的合同"), move=handover_open, order=50
        )
    )
    targets.register(
        Contract,
        key="contract",
        module="contracts",
        label=pgettext_lazy("record type", "合同"),
        link=lambda contract: reverse("contracts:contract_detail", args=[contract.pk]),
        visible=lambda employee: selectors.contract_queryset(employee=employee).select_related(
            None
        ),
        customer=lambda contract: contract.customer_id,
    )
    start.register("contracts", template="sales/_start_card.html", context=_start_card, order=27)
