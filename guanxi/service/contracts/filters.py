"""Service contract list filters, shared by the list page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.contracts.selectors import expiring_q


class ServiceContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=ServiceContract.Status.choices, label=_("状态"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    installed_product = IdFilter(method="filter_installed", label=_("安装档案"))
    expiring = django_filters.BooleanFilter(method="filter_expiring", label=_("即将到期"))
    end_from = django_filters.DateFilter(
        field_name="end_date", lookup_expr="gte", label=_("结束日期从")
    )
    end_to = django_filters.DateFilter(
        field_name="end_date", lookup_expr="lte", label=_("结束日期至")
    )

    class Meta:
        model = ServiceContract
        fields = [
            "q", "status", "customer", "owner", "installed_product", "expiring", "end_from",
            "end_to",
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

    def filter_installed(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(items__installed_product_id=value).distinct()

    def filter_expiring(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(expiring_q()) if value else queryset.exclude(expiring_q())
