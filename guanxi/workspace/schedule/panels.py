"""The calendar's card on the customer 360° page, and what a customer merge and a
handover do with tasks and events. Registered in ``ScheduleConfig.ready()`` through
``guanxi.customers.extensions``; the card costs the page no query (it loads after it)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.workspace.schedule import selectors, services
from guanxi.workspace.schedule.models import Task

CUSTOMER_CARD = "schedule/_customer_card.html"
CARD_LIMIT = 10


def customer_card(customer, employee):
    """The card on the 360° page: a placeholder that loads its content after the page
    (``views.customer_card``), so the page keeps its query budget."""
    if not policy.can(employee, "tasks.view"):
        return None
    return {"customer": customer}


def customer_card_content(customer, employee):
    """The customer's open tasks and coming events that the employee may see (two
    queries)."""
    now = timezone.now()
    tasks = list(
        selectors.task_queryset(employee=employee)
        .filter(customer_id=customer.pk, status=Task.Status.OPEN)
        .select_related(None)
        .order_by("due_at", "id")[:CARD_LIMIT]
    )
    events = list(
        selectors.event_queryset(employee=employee)
        .filter(customer_id=customer.pk, ends_at__gte=now)
        .select_related(None)
        .order_by("starts_at", "id")[:CARD_LIMIT]
    )
    return {
        "customer": customer,
        "schedule_tasks": tasks,
        "schedule_events": events,
        "can_create": policy.can(employee, "tasks.create"),
        "now": now,
        "loaded": True,
    }


def register():
    extensions.register_panel(
        extensions.Panel(
            key="schedule", template=CUSTOMER_CARD, context=customer_card, order=30, side="side"
        )
    )
    extensions.register_related(
        extensions.Related(
            key="schedule",
            label=_("任务和日程"),
            count=services.count_linked,
            move=services.move_linked,
            order=30,
        )
    )


def register_handover():
    """The handover step: open tasks and coming events go to the successor (with the
    chosen customers, or all of them when an employee hands everything over)."""
    extensions.register_handover(
        extensions.HandoverStep(
            key="schedule",
            label=_("任务和日程"),
            move=services.handover_open_items,
            order=30,
        )
    )
