"""Follow-up and file list filters (API)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.workspace.models import Activity, Attachment


class ActivityFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    contact = IdFilter(field_name="contact_id", label=_("联系人"))
    owner = IdFilter(field_name="owner_id", label=_("跟进人"))
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("跟进方式"))
    occurred_after = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=_("跟进时间起")
    )
    occurred_before = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lte", label=_("跟进时间止")
    )

    class Meta:
        model = Activity
        fields: list[str] = []


class AttachmentFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("客户"))

    class Meta:
        model = Attachment
        fields: list[str] = []
