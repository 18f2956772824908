"""What service projects add to other modules, registered from
``ServiceProjectsConfig.ready()``: the projects card on the customer 360° page (loaded
after the page, so it costs the page no query), the merge and handover steps, follow-up
targets, the notification kind of an assigned task and the start page's 我的项目任务."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.service.projects import selectors, services
from guanxi.service.projects.models import ServiceProject
from guanxi.workspace import start, targets
from guanxi.workspace.notifications import kinds

CARD = "service_projects/_customer_card.html"


def customer_card(customer, employee):
    if not policy.can(employee, "service_projects.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return ServiceProject.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' projects (deleted ones too) go to the survivor."""
    return services.projects_move_customer(from_ids=from_ids, survivor=survivor)


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's open projects go to the successor as project manager."""
    moved = services.projects_hand_over(
        actor=actor, from_employee=from_employee, to_employee=to_employee,
        customer_ids=customer_ids,
    )  # fmt: skip
    return len(moved)


def _start_card(employee):
    """我的项目任务: the employee's open tasks, overdue and due soon first (one query)."""
    card = selectors.my_open_tasks(employee=employee)
    if card is None:
        return None
    return {
        **card,
        "title": _("我的项目任务"),
        "icon": "bi-kanban",
        "testid": "projects-start-card",
        "list_url": reverse("service_projects:project_list"),
    }


def register():
    kinds.register(
        services.NOTIFY_TASK_ASSIGNED,
        pgettext_lazy("notification kind", "项目任务分配给我"),
        default_channels=(kinds.APP,),
    )
    extensions.register_panel(
        extensions.Panel(key="service_projects", template=CARD, context=customer_card, order=78)
    )
    extensions.register_related(
        extensions.Related(
            key="service_projects",
            label=_("服务项目"),
            count=count_linked,
            move=move_linked,
            order=78,
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="service_projects", label=_("未结束的服务项目"), move=handover_open, order=78
        )
    )
    targets.register(
        ServiceProject,
        key="service_project",
        module="service_projects",
        label=pgettext_lazy("record type", "服务项目"),
        link=lambda project: reverse("service_projects:project_detail", args=[project.pk]),
        visible=lambda employee: selectors.project_queryset(employee=employee).select_related(None),
        customer=lambda project: project.customer_id,
    )
    start.register(
        "service_projects", template="sales/_start_card.html", context=_start_card, order=34
    )
