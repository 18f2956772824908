"""What opportunities plug into, registered from ``OpportunitiesConfig.ready()``: follow-ups
can be recorded on an opportunity (a follow-up target), a card on the customer 360° page
(loaded after the page, so it costs the page no query), the merge step (a merged
customer's opportunities go to the survivor), the handover step (a leaver's open
opportunities go to the successor) and the start page's "我的商机" card. (The search kind
registers itself in ``indexing``.)"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.ownership import hand_over
from guanxi.workspace import start, targets

PANEL = "opportunities/_customer_panel.html"


def customer_panel(customer, employee):
    if not policy.can(employee, "opportunities.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    from guanxi.sales.opportunities.models import Opportunity

    return Opportunity.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' opportunities (deleted ones too) go to the survivor;
    a contact of a merged customer stays linked (the merge moves contacts too)."""
    from guanxi.sales.opportunities import indexing
    from guanxi.sales.opportunities.models import Opportunity

    queryset = Opportunity.with_deleted.filter(customer_id__in=list(from_ids))
    ids = list(queryset.values_list("pk", flat=True))
    moved = queryset.update(customer_id=survivor.pk)
    if ids:
        indexing.index_opportunities(ids)
    return moved


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's open opportunities (of those customers, or all) go to the
    successor (``sales.ownership.hand_over``)."""
    from guanxi.sales.opportunities import indexing
    from guanxi.sales.opportunities.models import Opportunity

    queryset = Opportunity.objects.filter(owner_id=from_employee.pk, status="open")
    moved = hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor)
    if moved:
        indexing.index_opportunities(moved)
    return len(moved)


def _start_card(employee):
    from guanxi.sales.opportunities import selectors

    if not policy.can(employee, "opportunities.view"):
        return None
    pipeline = selectors.my_pipeline(employee)
    if not pipeline["count"] and not policy.can(employee, "opportunities.create"):
        return None
    return {"pipeline": pipeline, "employee_id": employee.pk}


def _visible(employee):
    from guanxi.sales.opportunities import selectors

    return selectors.opportunity_queryset(employee=employee).select_related(None)


def register():
    from guanxi.sales.opportunities.models import Opportunity

    targets.register(
        Opportunity,
        key="opportunity",
        module="opportunities",
        label=pgettext_lazy("record type", "商机"),
        link=lambda opportunity: reverse("opportunities:opportunity_detail", args=[opportunity.pk]),
        visible=_visible,
        customer=lambda opportunity: opportunity.customer_id,
    )
    extensions.register_panel(
        extensions.Panel(key="opportunities", template=PANEL, context=customer_panel, order=45)
    )
    extensions.register_related(
        extensions.Related(
            key="opportunities", label=_("商机"), count=count_linked, move=move_linked, order=45
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="opportunities", label=_("进行中的商机"), move=handover_open, order=45
        )
    )
    start.register(
        "opportunities", template="opportunities/_start_card.html", context=_start_card, order=22
    )
