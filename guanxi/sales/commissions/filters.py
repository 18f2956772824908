"""List filters of commission statements and rules, shared by the pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.commissions.models import Basis, CommissionRule, CommissionStatement


class StatementFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period", label=_("期间"))
    owner = IdFilter(field_name="owner_id", label=_("员工"))
    status = django_filters.ChoiceFilter(
        choices=CommissionStatement.Status.choices, label=_("状态")
    )

    class Meta:
        model = CommissionStatement
        fields = ["period", "owner", "status"]

    def filter_period(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(period=value) if value else queryset


class RuleFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label=_("启用"))
    basis = django_filters.ChoiceFilter(choices=Basis.choices, label=_("计提基数"))

    class Meta:
        model = CommissionRule
        fields = ["active", "basis"]
