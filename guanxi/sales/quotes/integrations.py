"""What quotes add to other modules, registered from ``QuotesConfig.ready()``: the
approval document type, a card on the customer 360° page (loaded after the page, so
it costs the page no query), the merge and handover steps, and follow-up targets."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.sales.ownership import hand_over
from guanxi.sales.quotes import indexing, selectors, services
from guanxi.sales.quotes.models import Quote
from guanxi.workspace import start, targets

OPEN = (Quote.Status.DRAFT, Quote.Status.PENDING, Quote.Status.APPROVED, Quote.Status.SENT)
CARD = "quotes/_customer_card.html"


def customer_card(customer, employee):
    if not policy.can(employee, "quotes.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return Quote.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' quotes (every revision, deleted ones too) go to
    the survivor. Their contacts stay: the customers app moves contacts along."""
    return Quote.with_deleted.filter(customer_id__in=list(from_ids)).update(customer_id=survivor.pk)


def handover_open(from_employee, to_employee, customer_ids, actor):
    """A handover: the leaver's open quotes (current revisions in draft, pending,
    approved or sent; of those customers, or all) go to the successor
    (``sales.ownership.hand_over``)."""
    queryset = Quote.objects.filter(
        owner_id=from_employee.pk, status__in=OPEN, superseded_at__isnull=True
    )
    moved = hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor)
    indexing.index_quotes(moved)  # the index places a quote by its owner
    return len(moved)


def _start_card(employee):
    """我的报价: the employee's own records waiting for something (one query)."""
    card = selectors.my_quotes_needing_attention(employee=employee)
    if card is None:
        return None
    return {
        **card,
        "title": _("我的报价"),
        "icon": "bi-file-earmark-text",
        "testid": "quotes-start-card",
        "list_url": f"{reverse('quotes:quote_list')}?owner={employee.pk}",
    }


def register():
    services.register_document()
    extensions.register_panel(
        extensions.Panel(key="quotes", template=CARD, context=customer_card, order=45)
    )
    extensions.register_related(
        extensions.Related(
            key="quotes", label=_("报价单"), count=count_linked, move=move_linked, order=45
        )
    )
    extensions.register_handover(
        extensions.HandoverStep(
            key="quotes", label=_("未结束的报价单"), move=handover_open, order=45
        )
    )
    targets.register(
        Quote,
        key="quote",
        module="quotes",
        label=pgettext_lazy("record type", "报价单"),
        link=lambda quote: reverse("quotes:quote_detail", args=[quote.pk]),
        visible=lambda employee: selectors.quote_queryset(employee=employee).select_related(None),
        customer=lambda quote: quote.customer_id,
    )
    start.register("quotes", template="sales/_start_card.html", context=_start_card, order=26)
