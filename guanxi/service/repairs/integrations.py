"""What repairs add to other modules, registered from ``RepairsConfig.ready()``: the
repairs card on the customer 360° page (loaded after the page, so it costs the page no
query), the merge and handover steps, follow-up targets, and the repairs section of an
installed product's service history."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.ownership import hand_over
from guanxi.service.installed import history
from guanxi.service.repairs import selectors
from guanxi.service.repairs.models import PackingList, Repair
from guanxi.workspace import targets

CARD = "repairs/_customer_card.html"
HISTORY_LIMIT = 50


def customer_card(customer, employee):
    if not policy.can(employee, "repairs.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    ids = list(customer_ids)
    return (
        Repair.with_deleted.filter(customer_id__in=ids).count()
        + PackingList.with_deleted.filter(customer_id__in=ids).count()
    )


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' repairs and packing lists (deleted ones too) go to
    the survivor."""
    ids = list(from_ids)
    moved = Repair.with_deleted.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    moved += PackingList.with_deleted.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    return moved


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's open repairs (of those customers, or all) go to the
    successor as technician."""
    queryset = Repair.objects.filter(owner_id=from_employee.pk, status__in=Repair.OPEN_STATUSES)
    return len(hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor))


def repair_history(*, employee, item):
    """The repairs of an installed product within the employee's ``repairs`` scope."""
    rows = list(
        selectors.installed_product_repairs(employee=employee, installed_product_id=item.pk)
        .select_related(None)
        .only("id", "code", "fault_description", "status", "received_on")[:HISTORY_LIMIT]
    )
    return [
        history.HistoryEntry(
            code=repair.code,
            title=repair.fault_description[:80],
            status=str(repair.get_status_display()),
            date=repair.received_on,
            url=history.link("repairs:repair_detail", repair.pk),
        )
        for repair in rows
    ]


def register():
    extensions.register_panel(
        extensions.Panel(key="repairs", template=CARD, context=customer_card, order=75)
    )
    extensions.register_related(
        extensions.Related(
            key="repairs",
            label=_("维修单和装箱单"),
            count=count_linked,
            move=move_linked,
            order=75,
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="repairs", label=_("未完成的维修单"), move=handover_open, order=75
        )
    )
    targets.register(
        Repair,
        key="repair",
        module="repairs",
        label=pgettext_lazy("record type", "维修单"),
        link=lambda repair: reverse("repairs:repair_detail", args=[repair.pk]),
        visible=lambda employee: selectors.repair_queryset(employee=employee).select_related(None),
        customer=lambda repair: repair.customer_id,
    )
    history.register_history("repairs", _("维修记录"), repair_history, order=30)
