"""Leads in the global search index: found by company name, contact name (fragment and
pinyin), code, e-mail and any 4+ digits of their phones. The lead services call
``index_leads``/``unindex_leads`` after every write, in the caller's transaction."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.leads.models import Lead
from guanxi.search import index, registry
from guanxi.search.tokens import Document

LEAD = "lead"
DETAIL_URL = "leads:lead_detail"
COLUMNS = (
    "id", "code", "company_name", "contact_name", "email", "mobile", "phone", "owner_id",
    "owner_department_id",
)  # fmt: skip


def lead_document(lead) -> Document:
    person = lead.contact_name if lead.company_name else ""
    return Document(
        kind=LEAD,
        object_id=lead.pk,
        title=lead.company_name or lead.contact_name,
        subtitle=" · ".join(v for v in (lead.code, person) if v),
        module="leads",
        url_name=DETAIL_URL,
        url_arg=lead.pk,
        owner_id=lead.owner_id,
        department_id=lead.owner_department_id,
        names=[n for n in (lead.company_name, lead.contact_name) if n],
        codes=[lead.code] if lead.code else [],
        emails=[lead.email] if lead.email else [],
        phones=[p for p in (lead.mobile, lead.phone) if p],
    )


def _documents(ids):
    for lead in Lead.objects.filter(pk__in=ids).only(*COLUMNS):
        yield lead_document(lead)


def _all_ids():
    return Lead.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    LEAD, label=_("线索"), module="leads", documents=_documents, all_ids=_all_ids, order=30
)


def index_leads(ids):
    """Bring these leads' entries up to date (a deleted one leaves the index)."""
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(LEAD, ids[start : start + index.BATCH])


def unindex_leads(ids):
    index.remove(LEAD, sorted({int(pk) for pk in ids}))
