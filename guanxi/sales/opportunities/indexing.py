"""Opportunities in the global search index: found by name (fragment and pinyin), code
and customer name. The opportunity services call ``index_opportunities`` /
``unindex_opportunities`` after every write, in the caller's transaction."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.opportunities.models import Opportunity
from guanxi.search import index, registry
from guanxi.search.tokens import Document

OPPORTUNITY = "opportunity"
DETAIL_URL = "opportunities:opportunity_detail"


def opportunity_document(opportunity) -> Document:
    return Document(
        kind=OPPORTUNITY,
        object_id=opportunity.pk,
        title=opportunity.name,
        subtitle=" · ".join(v for v in (opportunity.code, opportunity.customer.name) if v),
        module="opportunities",
        url_name=DETAIL_URL,
        url_arg=opportunity.pk,
        owner_id=opportunity.owner_id,
        department_id=opportunity.owner_department_id,
        names=[opportunity.name],
        codes=[opportunity.code] if opportunity.code else [],
        texts=[opportunity.customer.name],
    )


def _documents(ids):
    rows = (
        Opportunity.objects.filter(pk__in=ids)
        .select_related("customer")
        .only(
            "id", "code", "name", "owner_id", "owner_department_id", "customer__name",
        )
    )  # fmt: skip
    for opportunity in rows:
        yield opportunity_document(opportunity)


def _all_ids():
    return Opportunity.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    OPPORTUNITY,
    label=_("商机"),
    module="opportunities",
    documents=_documents,
    all_ids=_all_ids,
    order=35,
)


def index_opportunities(ids):
    """Bring these opportunities' entries up to date (a deleted one leaves the index)."""
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(OPPORTUNITY, ids[start : start + index.BATCH])


def unindex_opportunities(ids):
    index.remove(OPPORTUNITY, sorted({int(pk) for pk in ids}))
