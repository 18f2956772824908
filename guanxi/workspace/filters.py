"""Follow-up and file list filters (API)."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import ID_MAX, IdFilter, MomentFilter
from guanxi.workspace import selectors
from guanxi.workspace.models import Activity, Attachment


class MeOrIdField(forms.CharField):
    """``me`` (the caller) or an employee id."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        if value == "me":
            return value
        if value.isdigit() and 0 < int(value) <= ID_MAX:
            return int(value)
        raise ValidationError(_("请填写 me 或员工编号。"), code="invalid")


class MeOrIdFilter(django_filters.Filter):
    field_class = MeOrIdField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value == "me":
            employee = getattr(getattr(self.parent, "request", None), "employee", None)
            value = getattr(employee, "pk", None) or 0
        return qs.filter(owner_id=value)


class ActivityFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    contact = IdFilter(field_name="contact_id", label=_("联系人"))
    target_type = django_filters.CharFilter(
        field_name="target_type", max_length=40, label=_("关联记录类型")
    )
    target_id = IdFilter(field_name="target_id", label=_("关联记录"))
    owner = MeOrIdFilter(label=_("跟进人（me 为本人）"))
    type = django_filters.ChoiceFilter(
        field_name="kind", choices=Activity.Kind.choices, label=_("跟进方式")
    )
    next_follow_up_before = django_filters.DateFilter(
        field_name="next_followup_on", lookup_expr="lte", label=_("下次跟进日期不晚于")
    )
    next_follow_up_after = django_filters.DateFilter(
        field_name="next_followup_on", lookup_expr="gte", label=_("下次跟进日期不早于")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    due = django_filters.ChoiceFilter(
        method="filter_due",
        choices=[
            ("overdue", _("已逾期")),
            ("today", _("今天到期")),
            ("upcoming", _("即将到期")),
            ("open", _("待跟进")),
        ],
        label=_("下次跟进状态"),
    )
    occurred_after = MomentFilter(
        field_name="occurred_at", lookup_expr="gte", label=_("跟进时间起")
    )
    occurred_before = MomentFilter(
        field_name="occurred_at", lookup_expr="lte", label=_("跟进时间止")
    )

    class Meta:
        model = Activity
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        overdue = Q(
            next_followup_on__isnull=False,
            superseded=False,
            next_followup_on__lt=timezone.localdate(),
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due(self, queryset, name, value):
        return selectors.due_filter(queryset, None if value == "open" else value)


class AttachmentFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("客户"))

    class Meta:
        model = Attachment
        fields: list[str] = []
