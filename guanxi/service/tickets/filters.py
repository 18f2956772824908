"""Ticket list filters, shared by the list page and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.filters import IdFilter
from guanxi.service.tickets.models import Ticket

OPEN = "open"
ME = "me"
UNASSIGNED = "unassigned"
STATUS_CHOICES = [(OPEN, pgettext_lazy("ticket status", "未完成")), *Ticket.Status.choices]


class AssigneeField(forms.CharField):
    """``me``, ``unassigned`` or an employee id."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None, ME, UNASSIGNED):
            return value
        if not value.isdigit() or len(value) > 18:
            raise forms.ValidationError(_("处理人须为员工编号、me 或 unassigned。"))
        return value


class AssigneeFilter(django_filters.CharFilter):
    field_class = AssigneeField


class TicketFilter(django_filters.FilterSet):
    """``employee`` (keyword) is who "me" means."""

    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("状态")
    )
    category = django_filters.CharFilter(field_name="category", label=_("工单类别"))
    priority = django_filters.ChoiceFilter(choices=Ticket.Priority.choices, label=_("优先级"))
    channel = django_filters.ChoiceFilter(choices=Ticket.Channel.choices, label=_("渠道"))
    assignee = AssigneeFilter(method="filter_assignee", label=_("处理人"))
    team = IdFilter(field_name="team_id", label=_("服务团队"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    installed_product = IdFilter(field_name="installed_product_id", label=_("安装档案"))
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("创建日期从")
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("创建日期至")
    )

    class Meta:
        model = Ticket
        fields = [
            "q", "status", "category", "priority", "channel", "assignee", "team", "customer",
            "installed_product", "created_from", "created_to",
        ]  # fmt: skip

    def __init__(self, *args, employee=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.employee = employee

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(subject__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=Ticket.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_assignee(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        if value == ME:
            employee = self.employee or getattr(self.request, "employee", None)
            return queryset.filter(assignee_id=getattr(employee, "pk", 0))
        return queryset.filter(assignee_id=int(value))
