"""Contracts in the global search index: found by code and title, shown with the
customer's name, placed in the ``contracts`` data scope by owner and department."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.contracts.models import Contract
from guanxi.search import registry
from guanxi.search.tokens import Document

KIND = "contract"


def _documents(ids):
    rows = Contract.objects.filter(pk__in=ids).select_related("customer")
    for contract in rows.only(
        "id", "code", "title", "owner_id", "owner_department_id", "customer__name"
    ):
        yield Document(
            kind=KIND,
            object_id=contract.pk,
            title=f"{contract.code} {contract.title}",
            subtitle=contract.customer.name,
            module="contracts",
            url_name="contracts:contract_detail",
            url_arg=contract.pk,
            owner_id=contract.owner_id,
            department_id=contract.owner_department_id,
            codes=[contract.code],
            texts=[contract.title],
        )


def _all_ids():
    return Contract.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    KIND, label=_("合同"), module="contracts", documents=_documents, all_ids=_all_ids, order=50
)
