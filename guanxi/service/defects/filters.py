"""List filters of product defects, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.service.defects.models import Defect


class DefectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    product = IdFilter(field_name="product_id", label=_("产品"))
    severity = django_filters.ChoiceFilter(choices=Defect.Severity.choices, label=_("严重程度"))
    status = django_filters.ChoiceFilter(choices=Defect.Status.choices, label=_("状态"))
    owner = IdFilter(field_name="owner_id", label=_("研发负责人"))
    ticket = IdFilter(field_name="ticket_links__ticket_id", label=_("服务工单"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("未解决"))

    class Meta:
        model = Defect
        fields = ["q", "product", "severity", "status", "owner", "ticket", "open"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(found_version__icontains=value)
            | Q(product__name__icontains=value)
        )

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=Defect.OPEN_STATUSES)
        return queryset.exclude(status__in=Defect.OPEN_STATUSES)
