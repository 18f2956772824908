"""Sales orders in the global search index: found by code and title (or customer), shown with the
customer's name, placed in the ``orders`` data scope by owner and department."""

from django.utils.translation import gettext_lazy as _

from guanxi.sales.orders.models import Order
from guanxi.search import registry
from guanxi.search.tokens import Document

KIND = "order"


def _documents(ids):
    rows = Order.objects.filter(pk__in=ids).select_related("customer")
    for order in rows.only(
        "id", "code", "title", "owner_id", "owner_department_id", "customer__name"
    ):
        yield Document(
            kind=KIND,
            object_id=order.pk,
            title=f"{order.code} {order.title}".strip(),
            subtitle=order.customer.name,
            module="orders",
            url_name="orders:order_detail",
            url_arg=order.pk,
            owner_id=order.owner_id,
            department_id=order.owner_department_id,
            codes=[order.code],
            texts=[order.title] if order.title else [],
        )


def _all_ids():
    return Order.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    KIND, label=_("销售订单"), module="orders", documents=_documents, all_ids=_all_ids, order=55
)
