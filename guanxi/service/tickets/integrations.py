"""What tickets add to other modules, registered from ``TicketsConfig.ready()``: a card on
the customer 360° page (loaded after the page, so it costs the page no query), the merge
and handover steps, follow-ups on tickets, and the start page's 我的工单."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.service.tickets import selectors, services
from guanxi.service.tickets.models import Ticket
from guanxi.workspace import start, targets
from guanxi.workspace.notifications import kinds

CARD = "tickets/_customer_card.html"


def customer_card(customer, employee):
    if not policy.can(employee, "tickets.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return Ticket.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    return services.tickets_move_customer(from_ids=from_ids, survivor=survivor)


def handover_open(from_employee, to_employee, customer_ids, actor):
    moved = services.tickets_hand_over(
        actor=actor, from_employee=from_employee, to_employee=to_employee,
        customer_ids=customer_ids,
    )  # fmt: skip
    return len(moved)


def _start_card(employee):
    """我的工单: the employee's open tickets by what they wait for (one query)."""
    card = selectors.my_tickets_needing_attention(employee=employee)
    if card is None:
        return None
    return {
        **card,
        "title": _("我的工单"),
        "icon": "bi-headset",
        "testid": "tickets-start-card",
        "list_url": f"{reverse('tickets:ticket_list')}?assignee=me&status=open",
    }


def register():
    kinds.register(
        services.NOTIFY_ASSIGNED,
        pgettext_lazy("notification kind", "工单分配给我"),
        default_channels=(kinds.APP,),
    )
    extensions.register_panel(
        extensions.Panel(key="tickets", template=CARD, context=customer_card, order=60)
    )
    extensions.register_related(
        extensions.Related(
            key="tickets", label=_("服务工单"), count=count_linked, move=move_linked, order=60
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="tickets", label=_("未完成的服务工单"), move=handover_open, order=60
        )
    )
    targets.register(
        Ticket,
        key="ticket",
        module="tickets",
        label=pgettext_lazy("record type", "服务工单"),
        link=lambda ticket: reverse("tickets:ticket_detail", args=[ticket.pk]),
        visible=lambda employee: selectors.ticket_queryset(employee=employee).select_related(None),
        customer=lambda ticket: ticket.customer_id,
    )
    start.register("tickets", template="sales/_start_card.html", context=_start_card, order=32)
