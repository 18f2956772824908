"""What orders add to other modules, registered from ``OrdersConfig.ready()``:
the approval document type, a card on the customer 360° page (loaded after the page, so
it costs the page no query), the merge and handover steps, and follow-up targets."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.orders import selectors, services
from guanxi.sales.orders.models import Order
from guanxi.sales.ownership import hand_over
from guanxi.workspace import start, targets

OPEN = (
    Order.Status.DRAFT,
    Order.Status.PENDING,
    Order.Status.CONFIRMED,
)
CARD = "orders/_customer_card.html"


def customer_card(customer, employee):
    if not policy.can(employee, "orders.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return Order.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' orders (deleted ones too) go to the survivor."""
    return Order.with_deleted.filter(customer_id__in=list(from_ids)).update(customer_id=survivor.pk)


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's open orders (of those customers, or all) go to the
    successor (``sales.ownership.hand_over``)."""
    queryset = Order.objects.filter(owner_id=from_employee.pk, status__in=OPEN)
    return len(hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor))


def _start_card(employee):
    """我的订单: the employee's own records waiting for something (one query)."""
    card = selectors.my_orders_needing_attention(employee=employee)
    if card is None:
        return None
    return {
        **card,
        "title": _("我的订单"),
        "icon": "bi-cart-check",
        "testid": "orders-start-card",
        "list_url": f"{reverse('orders:order_list')}?owner={employee.pk}",
    }


def register():
    services.register()
    extensions.register_panel(
        extensions.Panel(key="orders", template=CARD, context=customer_card, order=55)
    )
    extensions.register_related(
        extensions.Related(
            key="orders", label=_("销售订单"), count=count_linked, move=move_linked, order=55
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="orders", label=_("未完成的销售订单"), move=handover_open, order=55
        )
    )
    targets.register(
        Order,
        key="order",
        module="orders",
        label=pgettext_lazy("record type", "销售订单"),
        link=lambda order: reverse("orders:order_detail", args=[order.pk]),
        visible=lambda employee: selectors.order_queryset(employee=employee).select_related(None),
        customer=lambda order: order.customer_id,
    )
    start.register("orders", template="sales/_start_card.html", context=_start_card, order=28)
