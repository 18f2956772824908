"""What leads plug into, registered from ``LeadsConfig.ready()``: follow-ups can be
recorded on a lead (a follow-up target, which scores the lead again whenever one of its
follow-ups changes), the start page's "待跟进线索" card, the
handover step that gives a leaver's leads to their successor, and the merge kind that
keeps a converted lead pointing at the surviving customer. (The search kind
registers itself in ``indexing``.)"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.workspace import start, targets


def _start_card(employee):
    from guanxi.sales.leads import selectors

    mine = selectors.my_open_leads(employee=employee, limit=8)
    if mine is None:
        return None
    rows, count = mine
    return {"leads": rows, "count": count} if count else None


def _visible(employee):
    from guanxi.sales.leads import selectors

    return selectors.lead_queryset(employee=employee)


def _handover(from_employee, to_employee, customer_ids, actor):
    from guanxi.sales.leads import services

    return services.leads_handover(from_employee, to_employee, customer_ids, actor)


def _count_converted(customer_ids):
    from guanxi.sales.leads import services

    return services.count_converted(customer_ids)


def _move_converted(from_ids, survivor, actor):
    from guanxi.sales.leads import services

    return services.move_converted(from_ids, survivor, actor)


def _followups_changed(lead_ids):
    """A follow-up on these leads was recorded, edited or deleted: their scores count
    follow-ups, so they are scored again in the same transaction."""
    from guanxi.sales.leads import services

    services.leads_rescore(lead_ids=lead_ids)


def register():
    from guanxi.sales.leads.models import Lead

    targets.register(
        Lead,
        key="lead",
        module="leads",
        label=pgettext_lazy("record type", "线索"),
        link=lambda lead: reverse("leads:lead_detail", args=[lead.pk]),
        visible=_visible,
        on_change=_followups_changed,
    )
    start.register("leads", template="leads/_start_card.html", context=_start_card, order=25)
    extensions.register_related(
        extensions.Related(
            key="converted_leads",
            label=_("转化来源线索"),
            count=_count_converted,
            move=_move_converted,
            order=60,
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(key="leads", label=_("线索"), move=_handover, order=50)
    )
