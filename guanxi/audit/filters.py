"""Filters of the audit pages (also used by the change-log export job)."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.audit import display
from guanxi.audit.models import ChangeRecord
from guanxi.orgs.models import Employee


def _employees(request=None):
    # every employee, those who left too: their old actions stay findable
    return Employee.objects.order_by("name", "id")


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DateRangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterSet(django_filters.FilterSet):
    """Shared by the three audit lists: a date range in the org's local days."""

    date_from = django_filters.DateFilter(
        label=_("开始日期"), method="filter_date_from", widget=_date_widget()
    )
    date_to = django_filters.DateFilter(
        label=_("结束日期"), method="filter_date_to", widget=_date_widget()
    )

    class Meta:
        form = DateRangeForm
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):  # the date range goes last in the bar
            self.filters[name] = self.filters.pop(name)

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_day_start(value + datetime.timedelta(days=1)))

    def active_params(self):
        """The submitted, non-empty filter values (to carry into links and jobs)."""
        data = self.data or {}
        return {
            name: data.get(name).strip()
            for name in self.filters
            if isinstance(data.get(name), str) and data.get(name).strip()
        }


class ChangeRecordFilter(AuditFilterSet):
    entity = django_filters.ChoiceFilter(
        label=_("对象类型"), empty_label=_("全部"), choices=display.entity_choices
    )
    actor = django_filters.ModelChoiceFilter(
        label=_("操作人"), empty_label=_("全部"), queryset=_employees
    )
    action = django_filters.ChoiceFilter(
        label=_("操作"), empty_label=_("全部"), choices=ChangeRecord.Action.choices
    )
    object_id = django_filters.CharFilter(label=_("对象 ID"), method="filter_object_id")

    def filter_object_id(self, queryset, name, value):
        return queryset.filter(object_id=value.strip())


class LoginRecordFilter(AuditFilterSet):
    success = django_filters.ChoiceFilter(
        label=_("结果"),
        empty_label=_("全部"),
        method="filter_success",
        choices=[("1", _("成功")), ("0", _("失败"))],
    )
    username = django_filters.CharFilter(label=_("用户名"), lookup_expr="icontains")
    reason = django_filters.ChoiceFilter(
        label=_("失败原因"), empty_label=_("全部"), choices=list(display.LOGIN_REASONS.items())
    )
    channel = django_filters.ChoiceFilter(
        label=_("渠道"), empty_label=_("全部"), choices=list(display.LOGIN_CHANNELS.items())
    )
    ip = django_filters.CharFilter(label=_("IP 地址"), lookup_expr="startswith")

    def filter_success(self, queryset, name, value):
        return queryset.filter(success=value == "1")


def _export_entities():
    return display.entity_choices(include_audit=True)


class ExportRecordFilter(AuditFilterSet):
    entity = django_filters.ChoiceFilter(
        label=_("导出对象"), empty_label=_("全部"), choices=_export_entities
    )
    actor = django_filters.ModelChoiceFilter(
        label=_("操作人"), empty_label=_("全部"), queryset=_employees
    )
