"""Product defects in the global search index: found by code and title (and the version
or batch they were found in), shown with the product's name. Defects are not owned:
everyone with ``defects.view`` finds all of the org's defects (no owner, no department
on the entry)."""

from django.utils.translation import gettext_lazy as _

from guanxi.search import registry
from guanxi.search.tokens import Document
from guanxi.service.defects.models import Defect

KIND = "defect"
MODULE = "defects"


def _documents(ids):
    rows = Defect.objects.filter(pk__in=ids).select_related("product")
    for defect in rows.only("id", "code", "title", "found_version", "product__name"):
        yield Document(
            kind=KIND,
            object_id=defect.pk,
            title=f"{defect.code} {defect.title}",
            subtitle=defect.product.name,
            module=MODULE,
            url_name="defects:defect_detail",
            url_arg=defect.pk,
            codes=[c for c in (defect.code, defect.found_version) if c],
            texts=[defect.title],
        )


def _all_ids():
    return Defect.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    KIND, label=_("产品缺陷"), module=MODULE, documents=_documents, all_ids=_all_ids, order=72
)
