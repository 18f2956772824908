"""List filters of expenses, shared by the page, the Excel export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.expenses.models import Expense


class ExpenseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Expense.Status.choices, label=_("状态"))
    category = django_filters.ChoiceFilter(choices=Expense.Category.choices, label=_("费用类别"))
    owner = IdFilter(field_name="owner_id", label=_("费用人"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    opportunity = IdFilter(field_name="opportunity_id", label=_("商机"))
    date_from = django_filters.DateFilter(
        field_name="incurred_on", lookup_expr="gte", label=_("发生日期从")
    )
    date_to = django_filters.DateFilter(
        field_name="incurred_on", lookup_expr="lte", label=_("发生日期至")
    )
    reimbursed = django_filters.BooleanFilter(
        field_name="reimbursed_at", lookup_expr="isnull", exclude=True, label=_("已报销")
    )

    class Meta:
        model = Expense
        fields = [
            "q", "status", "category", "owner", "customer", "opportunity", "date_from",
            "date_to", "reimbursed",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(description__icontains=value)
            | Q(customer__name__icontains=value)
        )
