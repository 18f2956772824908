"""List filters of service projects, shared by the page and the API."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject


def overdue_q(today=None):
    """Open projects past their due date, or with a milestone or an open task past its
    own."""
    today = today or timezone.localdate()
    late_milestone = Milestone.objects.filter(
        project_id=OuterRef("pk"), reached_on__isnull=True, due_date__lt=today
    )
    late_task = ProjectTask.objects.filter(
        project_id=OuterRef("pk"), status__in=ProjectTask.OPEN_STATUSES, due_date__lt=today
    )
    return Q(status__in=ServiceProject.OPEN_STATUSES) & (
        Q(due_date__lt=today) | Exists(late_milestone) | Exists(late_task)
    )


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=ServiceProject.Status.choices, label=_("状态"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("项目经理"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("未结束"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))

    class Meta:
        model = ServiceProject
        fields = ["q", "status", "customer", "owner", "open", "overdue"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=ServiceProject.OPEN_STATUSES)
        return queryset.exclude(status__in=ServiceProject.OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
