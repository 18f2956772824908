"""Order list filters, shared by the list page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.orders.models import Order


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Order.Status.choices, label=_("状态"))
    delivery_status = django_filters.ChoiceFilter(
        choices=Order.Delivery.choices, label=_("发货状态")
    )
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    contract = IdFilter(field_name="contract_id", label=_("合同"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    date_from = django_filters.DateFilter(
        field_name="order_date", lookup_expr="gte", label=_("下单日期从")
    )
    date_to = django_filters.DateFilter(
        field_name="order_date", lookup_expr="lte", label=_("下单日期至")
    )

    class Meta:
        model = Order
        fields = [
            "q", "status", "delivery_status", "customer", "contract", "owner", "date_from",
            "date_to",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(customer__name__icontains=value)
        )
