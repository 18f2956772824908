"""Quotes in the global search index: found by code (BJ-2026-00001), title and the
customer's name. Only the current revision of each code is indexed; the quote services
refresh the entries after every write, inside their transaction."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.quotes.models import Quote
from guanxi.search import index, registry
from guanxi.search.tokens import Document

KIND = "quote"
DETAIL_URL = "quotes:quote_detail"


def quote_document(quote) -> Document:
    return Document(
        kind=KIND,
        object_id=quote.pk,
        title=f"{quote.label} {quote.title}".strip(),
        subtitle=quote.customer.name,
        module="quotes",
        url_name=DETAIL_URL,
        url_arg=quote.pk,
        owner_id=quote.owner_id,
        department_id=quote.owner_department_id,
        codes=[quote.code],
        texts=[t for t in (quote.title, quote.customer.name) if t],
    )


def _documents(ids):
    rows = (
        Quote.objects.filter(pk__in=ids, superseded_at__isnull=True)
        .select_related("customer")
        .only(
            "id", "code", "revision", "title", "owner_id", "owner_department_id",
            "superseded_at", "customer__name",
        )
    )  # fmt: skip
    for quote in rows:
        yield quote_document(quote)


def _all_ids():
    return (
        Quote.objects.filter(superseded_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=5000)
    )


registry.register(
    KIND, label=_("报价单"), module="quotes", documents=_documents, all_ids=_all_ids, order=60
)


def index_quotes(ids):
    """Bring these quotes' entries up to date (deleted or superseded ones leave)."""
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(KIND, ids[start : start + index.BATCH])
