"""Payments (by code and bank serial) and invoices (by number) in the global search.

The services call ``index_payments`` / ``index_invoices`` after each write; a payment or
invoice shows its customer's name. Both are in the data scope of module ``payments``."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.receivables.models import Invoice, Payment
from guanxi.search import index, registry
from guanxi.search.tokens import Document

PAYMENT = "payment"
INVOICE = "invoice"


def _payment_documents(ids):
    rows = Payment.objects.filter(pk__in=ids).select_related("customer")
    for payment in rows:
        yield Document(
            kind=PAYMENT,
            object_id=payment.pk,
            title=payment.code,
            subtitle=payment.customer.name,
            module="payments",
            url_name="receivables:payment_detail",
            url_arg=payment.pk,
            owner_id=payment.owner_id,
            department_id=payment.owner_department_id,
            codes=[value for value in (payment.code, payment.reference) if value],
        )


def _invoice_documents(ids):
    rows = Invoice.objects.filter(pk__in=ids).select_related("customer")
    for invoice in rows:
        yield Document(
            kind=INVOICE,
            object_id=invoice.pk,
            title=invoice.number,
            subtitle=invoice.customer.name,
            module="payments",
            url_name="receivables:invoice_detail",
            url_arg=invoice.pk,
            owner_id=invoice.owner_id,
            department_id=invoice.owner_department_id,
            codes=[invoice.number],
        )


def _all_payment_ids():
    return Payment.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


def _all_invoice_ids():
    return Invoice.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    PAYMENT,
    label=_("回款"),
    module="payments",
    documents=_payment_documents,
    all_ids=_all_payment_ids,
    order=70,
)
registry.register(
    INVOICE,
    label=_("发票"),
    module="payments",
    documents=_invoice_documents,
    all_ids=_all_invoice_ids,
    order=71,
)


def index_payments(ids):
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(PAYMENT, ids[start : start + index.BATCH])


def index_invoices(ids):
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(INVOICE, ids[start : start + index.BATCH])
