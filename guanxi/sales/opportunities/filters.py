"""Opportunity list filters, shared by the screens and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.opportunities.models import Opportunity

MONEY_MAX = 10**16


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("搜索"))
    pipeline = IdFilter(field_name="pipeline_id", label=_("销售流程"))
    stage = IdFilter(field_name="stage_id", label=_("阶段"))
    status = django_filters.MultipleChoiceFilter(
        choices=Opportunity.Status.choices, label=_("状态")
    )
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    close_from = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="gte", label=_("预计成交日期从")
    )
    close_to = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="lte", label=_("预计成交日期至")
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", min_value=0, max_value=MONEY_MAX,
        label=_("金额≥"),
    )  # fmt: skip
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", min_value=0, max_value=MONEY_MAX,
        label=_("金额≤"),
    )  # fmt: skip

    class Meta:
        model = Opportunity
        fields = [
            "q", "pipeline", "stage", "status", "owner", "customer", "close_from", "close_to",
            "amount_min", "amount_max",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(customer__name__icontains=value)
        )


# the list's sortable columns: parameter value -> ordering
SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "probability": ("probability", "id"),
    "-probability": ("-probability", "-id"),
    "created": ("id",),
    "-created": ("-id",),
}
