"""What service contracts add to other modules, registered from
``ServiceContractsConfig.ready()``: the renewal reminder's notification kind, a card on
the customer 360° page (loaded after the page), the merge and handover steps, and the
"service contracts" section of an installed product's service history."""

from django.utils.translation import gettext_lazy as _

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.ownership import hand_over
from guanxi.service.contracts import selectors, services
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.installed import history

CARD = "service_contracts/_customer_card.html"
OPEN = (ServiceContract.Status.DRAFT, ServiceContract.Status.ACTIVE)


def customer_card(customer, employee):
    if not policy.can(employee, "service_contracts.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return ServiceContract.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' service contracts (deleted ones too) go to the
    survivor."""
    return services.move_customers(from_ids=from_ids, survivor=survivor)


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's draft and active service contracts (of those customers,
    or all) go to the successor (``sales.ownership.hand_over``)."""
    queryset = ServiceContract.objects.filter(owner_id=from_employee.pk, status__in=OPEN)
    return len(hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor))


def register():
    services.register()
    extensions.register_panel(
        extensions.Panel(key="service_contracts", template=CARD, context=customer_card, order=72)
    )
    extensions.register_related(
        extensions.Related(
            key="service_contracts",
            label=_("服务合同"),
            count=count_linked,
            move=move_linked,
            order=72,
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="service_contracts",
            label=_("未到期的服务合同"),
            move=handover_open,
            order=72,
        )
    )
    history.register_history(
        "service_contracts", _("服务合同"), selectors.installed_contract_history, order=20
    )
