"""What receivables plug into, registered from ``ReceivablesConfig.ready()``: a card on the
customer 360° page (loaded after the page by htmx, so it costs the page no query), the
merge step (a merged customer's receivables, payments and invoices go to the survivor),
the handover step (a leaver's open receivables go to the successor) and the start page's
"我的应收" card. (The search kinds register themselves in ``indexing``.)"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.workspace import start

MODULE = "payments"
PANEL = "receivables/_customer_panel.html"


def customer_panel(customer, employee):
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    from guanxi.sales.receivables.models import Invoice, Payment, Receivable

    ids = list(customer_ids)
    return sum(
        model.objects.filter(customer_id__in=ids).count()
        for model in (Receivable, Payment, Invoice)
    )


@transaction.atomic
def move_linked(from_ids, survivor, actor):
    from guanxi.sales.receivables import services

    return services.move_to_customer(from_ids=from_ids, survivor=survivor, actor=actor)


@transaction.atomic
def handover_open(from_employee, to_employee, customer_ids, actor):
    from guanxi.sales.receivables import services

    return services.handover_open_receivables(
        from_employee=from_employee, to_employee=to_employee, customer_ids=customer_ids, actor=actor
    )


def _start_card(employee):
    from guanxi.orgs.models import OrgSettings
    from guanxi.sales.receivables import selectors

    if not policy.can(employee, f"{MODULE}.view"):
        return None
    found = OrgSettings.objects.values_list("receivable_reminder_days", "contract_decimals").first()
    days, places = found if found else (7, 2)
    rows = list(selectors.my_due_receivables(employee=employee, days=days))
    if not rows:
        return None
    return {"rows": rows, "days": days, "places": places, "today": timezone.localdate()}


def register():
    extensions.register_panel(
        extensions.Panel(key="receivables", template=PANEL, context=customer_panel, order=55)
    )
    extensions.register_related(
        extensions.Related(
            key="receivables",
            label=_("应收款、回款和发票"),
            count=count_linked,
            move=move_linked,
            order=55,
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="receivables", label=_("未收清的应收款"), move=handover_open, order=55
        )
    )
    start.register(
        "receivables", template="receivables/_start_card.html", context=_start_card, order=24
    )
