"""Task and event list filters (API): assignee, status, customer and a time window."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter, MomentFilter
from guanxi.workspace.schedule.models import Event, Task

MAX_WINDOW_DAYS = 400


class WindowForm(forms.Form):
    """``from`` must not be after ``to``; a window spans at most 400 days."""

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("时间范围的开始不能晚于结束。"), code="window")
            if end - start > datetime.timedelta(days=MAX_WINDOW_DAYS):
                raise forms.ValidationError(
                    _("时间范围不能超过 %(n)s 天。") % {"n": MAX_WINDOW_DAYS}, code="window"
                )
        return data


class _ScheduleFilter(django_filters.FilterSet):
    assignee = IdFilter(field_name="assignee_id", label=_("负责人"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    window_field = ""

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        start, end = data.get("from"), data.get("to")
        queryset = super().filter_queryset(queryset)
        return self.window(queryset, start, end)

    def window(self, queryset, start, end):
        raise NotImplementedError


def _window_filters():
    """``from`` / ``to``: applied together by the filter set's ``window`` (``from`` is a
    Python keyword, so they are added to ``base_filters`` after the class is made)."""
    keep = lambda queryset, name, value: queryset  # noqa: E731
    return {
        "from": MomentFilter(method=keep, label=_("时间范围起（含）")),
        "to": MomentFilter(method=keep, label=_("时间范围止（不含）")),
    }


class TaskFilter(_ScheduleFilter):
    status = django_filters.ChoiceFilter(choices=Task.Status.choices, label=_("状态"))

    class Meta:
        model = Task
        fields: list[str] = []
        form = WindowForm

    def window(self, queryset, start, end):
        if start:
            queryset = queryset.filter(due_at__gte=start)
        if end:
            queryset = queryset.filter(due_at__lt=end)
        return queryset


class EventFilter(_ScheduleFilter):
    class Meta:
        model = Event
        fields: list[str] = []
        form = WindowForm

    def window(self, queryset, start, end):
        """Events overlapping the window."""
        if start:
            queryset = queryset.filter(Q(ends_at__gt=start) | Q(starts_at__gte=start))
        if end:
            queryset = queryset.filter(starts_at__lt=end)
        return queryset


TaskFilter.base_filters.update(_window_filters())
EventFilter.base_filters.update(_window_filters())
