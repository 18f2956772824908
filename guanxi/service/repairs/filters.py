"""List filters of repairs, packing lists and outlets, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.service.repairs.models import PackingList, Repair, ServiceOutlet


class RepairFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=Repair.Status.choices, label=_("状态"))
    outlet = IdFilter(field_name="outlet_id", label=_("服务网点"))
    owner = IdFilter(field_name="owner_id", label=_("维修技师"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    ticket = IdFilter(field_name="ticket_id", label=_("服务工单"))
    installed_product = IdFilter(field_name="installed_product_id", label=_("安装档案"))
    chargeable = django_filters.BooleanFilter(label=_("收费"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("未完成"))

    class Meta:
        model = Repair
        fields = [
            "q", "status", "outlet", "owner", "customer", "ticket", "installed_product",
            "chargeable", "open",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(serial_number__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=Repair.OPEN_STATUSES)
        return queryset.exclude(status__in=Repair.OPEN_STATUSES)


class PackingListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=PackingList.Status.choices, label=_("状态"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    repair = IdFilter(field_name="repair_id", label=_("维修单"))

    class Meta:
        model = PackingList
        fields = ["q", "status", "customer", "repair"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(tracking_number__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(ship_to_name__icontains=value)
        )


class OutletFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    kind = django_filters.ChoiceFilter(choices=ServiceOutlet.Kind.choices, label=_("类型"))
    active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = ServiceOutlet
        fields = ["q", "kind", "active"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))
