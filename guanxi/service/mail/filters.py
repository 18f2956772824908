"""Filters of the mail logs, shared by the log pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.service.mail.models import InboundMail, OutboundMail


class InboundMailFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=InboundMail.Status.choices, label=_("状态"))
    ticket = IdFilter(field_name="ticket_id", label=_("工单"))
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("收到日期从")
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("收到日期至")
    )

    class Meta:
        model = InboundMail
        fields = ["q", "status", "ticket", "date_from", "date_to"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(from_address__icontains=value)
            | Q(from_name__icontains=value)
            | Q(subject__icontains=value)
        )


class OutboundMailFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=OutboundMail.Status.choices, label=_("状态"))
    ticket = IdFilter(field_name="ticket_id", label=_("工单"))

    class Meta:
        model = OutboundMail
        fields = ["q", "status", "ticket"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(to_address__icontains=value) | Q(subject__icontains=value))
