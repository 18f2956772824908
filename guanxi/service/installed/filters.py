"""Installed product list filters, shared by the list page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.installed.selectors import Warranty, warranty_q


class InstalledProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    product = IdFilter(field_name="product_id", label=_("产品"))
    serial_number = django_filters.CharFilter(
        field_name="serial_number", lookup_expr="iexact", label=_("序列号")
    )
    status = django_filters.ChoiceFilter(choices=InstalledProduct.Status.choices, label=_("状态"))
    warranty = django_filters.ChoiceFilter(
        choices=Warranty.CHOICES, method="filter_warranty", label=_("保修状态")
    )

    class Meta:
        model = InstalledProduct
        fields = ["q", "customer", "product", "serial_number", "status", "warranty"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(serial_number__icontains=value)
            | Q(product__name__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(location__icontains=value)
        )

    def filter_warranty(self, queryset, name, value):
        return queryset.filter(warranty_q(value)) if value else queryset
