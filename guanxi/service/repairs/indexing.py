"""Repairs and packing lists in the global search index: found by code (and serial number
or tracking number), shown with the customer's name, placed in the ``repairs`` data
scope by owner and department."""

from django.utils.translation import gettext_lazy as _

from guanxi.search import registry
from guanxi.search.tokens import Document
from guanxi.service.repairs.models import PackingList, Repair

REPAIR_KIND = "repair"
PACKING_KIND = "packing_list"


def _repairs(ids):
    rows = Repair.objects.filter(pk__in=ids).select_related("customer")
    for repair in rows.only(
        "id", "code", "serial_number", "owner_id", "owner_department_id", "customer__name"
    ):
        yield Document(
            kind=REPAIR_KIND,
            object_id=repair.pk,
            title=repair.code,
            subtitle=repair.customer.name,
            module="repairs",
            url_name="repairs:repair_detail",
            url_arg=repair.pk,
            owner_id=repair.owner_id,
            department_id=repair.owner_department_id,
            codes=[c for c in (repair.code, repair.serial_number) if c],
        )


def _packing_lists(ids):
    rows = PackingList.objects.filter(pk__in=ids).select_related("customer")
    for packing in rows.only(
        "id", "code", "tracking_number", "owner_id", "owner_department_id", "customer__name"
    ):
        yield Document(
            kind=PACKING_KIND,
            object_id=packing.pk,
            title=packing.code,
            subtitle=packing.customer.name,
            module="repairs",
            url_name="repairs:packing_list_detail",
            url_arg=packing.pk,
            owner_id=packing.owner_id,
            department_id=packing.owner_department_id,
            codes=[c for c in (packing.code, packing.tracking_number) if c],
        )


def _all(model):
    def ids():
        return model.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)

    return ids


registry.register(
    REPAIR_KIND,
    label=_("维修单"),
    module="repairs",
    documents=_repairs,
    all_ids=_all(Repair),
    order=70,
)
registry.register(
    PACKING_KIND,
    label=_("装箱单"),
    module="repairs",
    documents=_packing_lists,
    all_ids=_all(PackingList),
    order=71,
)
