"""What routing and SLAs add to other modules, registered from ``RoutingConfig.ready()``:
the notification kinds of the SLA scan (the breach kind is built in), the start page cards
即将超时的工单 (the employee's own tickets whose due time is within the hour) and 我的坐席状态
(the availability switch), and the reaction to an agent coming online."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.orgs import policy
from guanxi.orgs import services as org_services
from guanxi.service.routing import selectors, services
from guanxi.workspace import start
from guanxi.workspace.notifications import kinds

CARD = "routing/_start_card.html"
STATUS_CARD = "routing/_status_card.html"


def _status_card(employee):
    """我的坐席状态: for those who work tickets (no query: the employee is loaded)."""
    if not policy.can(employee, services.WORK):
        return None
    return {"title": _("我的坐席状态"), "board_url": reverse("service_routing:agent_board")}


def _start_card(employee):
    """即将超时的工单: one query; no card when nothing is due within the hour."""
    rows = selectors.breaches_near(employee=employee, within_minutes=60)
    if not rows:
        return None
    return {
        "rows": rows,
        "title": _("即将超时的工单"),
        "board_url": reverse("service_routing:agent_board"),
        "links": {row["ticket"].pk: services.ticket_link(row["ticket"].pk) for row in rows},
    }


def register():
    kinds.register(
        services.KIND_WARNING,
        pgettext_lazy("notification kind", "SLA 即将超时"),
        default_channels=(kinds.APP,),
    )
    kinds.register(
        services.KIND_ESCALATION,
        pgettext_lazy("notification kind", "SLA 升级"),
        default_channels=(kinds.APP, kinds.EMAIL),
    )
    start.register("sla_due", template=CARD, context=_start_card, order=24)
    start.register("agent_status", template=STATUS_CARD, context=_status_card, order=23)
    org_services.on_service_status(services.came_online)
