"""Installed products in the global search index: found by serial number and code
(and the product's name), shown with the customer's name.

Who sees an installed product follows who sees its customer, so an entry is placed in
the ``customers`` data scope by the customer's owner and department; the detail page
checks ``installed_products.view`` when it is opened."""

from django.utils.translation import gettext_lazy as _

from guanxi.search import registry
from guanxi.search.tokens import Document
from guanxi.service.installed.models import InstalledProduct

KIND = "installed_product"


def _documents(ids):
    rows = (
        InstalledProduct.objects.filter(pk__in=ids, customer__deleted_at__isnull=True)
        .select_related("customer", "product")
        .only(
            "id", "code", "serial_number", "customer__name", "customer__owner_id",
            "customer__department_id", "product__name",
        )
    )  # fmt: skip
    for item in rows:
        codes = [item.code] + ([item.serial_number] if item.serial_number else [])
        yield Document(
            kind=KIND,
            object_id=item.pk,
            title=f"{item.product.name} {item.serial_number or item.code}",
            subtitle=item.customer.name,
            module="customers",
            url_name="installed_products:installed_detail",
            url_arg=item.pk,
            owner_id=item.customer.owner_id,
            department_id=item.customer.department_id,
            codes=codes,
            texts=[item.product.name],
        )


def _all_ids():
    return (
        InstalledProduct.objects.order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=5000)
    )


registry.register(
    KIND, label=_("安装档案"), module="customers", documents=_documents, all_ids=_all_ids, order=70
)
