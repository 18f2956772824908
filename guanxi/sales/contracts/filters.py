"""Contract list filters, shared by the list page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.contracts.models import Contract


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices, label=_("状态"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    signed_from = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("签订日期从")
    )
    signed_to = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label=_("签订日期至")
    )

    class Meta:
        model = Contract
        fields = ["q", "status", "customer", "owner", "signed_from", "signed_to"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(customer__name__icontains=value)
        )
