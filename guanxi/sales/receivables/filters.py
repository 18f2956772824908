"""List filters of receivables, payments and invoices, shared by the pages and the API."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.receivables.models import Invoice, Payment, Receivable
from guanxi.sales.receivables.selectors import LIVE


class ReceivableFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Receivable.Status.choices, label=_("状态"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    due_from = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("到期日从")
    )
    due_to = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("到期日至")
    )
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    source_type = django_filters.ChoiceFilter(choices=Receivable.Source.choices, label=_("来源"))
    source_id = IdFilter(field_name="source_id", label=_("来源单据 ID"))

    class Meta:
        model = Receivable
        fields = ["q", "status", "overdue", "due_from", "due_to", "customer", "owner"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(source_code__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=LIVE, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class PaymentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices, label=_("状态"))
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices, label=_("付款方式"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    received_from = django_filters.DateFilter(
        field_name="received_at", lookup_expr="gte", label=_("到账日期从")
    )
    received_to = django_filters.DateFilter(
        field_name="received_at", lookup_expr="lte", label=_("到账日期至")
    )
    unallocated = django_filters.BooleanFilter(method="filter_unallocated", label=_("有未核销金额"))

    class Meta:
        model = Payment
        fields = ["q", "status", "method", "customer", "owner", "received_from", "received_to"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(reference__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_unallocated(self, queryset, name, value):
        if value is None:
            return queryset
        condition = Q(status=Payment.Status.VALID, allocated_amount__lt=F("amount"))
        return queryset.filter(condition) if value else queryset.exclude(condition)


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices, label=_("状态"))
    type = django_filters.ChoiceFilter(choices=Invoice.Type.choices, label=_("发票类型"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    issued_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("开票日期从")
    )
    issued_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("开票日期至")
    )

    class Meta:
        model = Invoice
        fields = ["q", "status", "type", "customer", "owner", "issued_from", "issued_to"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(customer__name__icontains=value))
