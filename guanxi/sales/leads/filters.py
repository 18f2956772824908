"""Lead list filters, shared by the list page and ``/api/v1/leads``: status, source,
industry, owner (``owner=none``: the pool), score range, region, campaign and ``q``
(company or contact name, pinyin, code, e-mail, 4+ phone digits)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.leads.models import MAX_SCORE, Lead

POOL = "none"


def text_query(value):
    value = (value or "").strip()
    if not value:
        return Q()
    query = (
        Q(company_name__icontains=value)
        | Q(contact_name__icontains=value)
        | Q(code__icontains=value)
        | Q(search_keys__icontains=value.lower())
        | Q(email__icontains=value)
    )
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 4 and len(digits) == len(value.replace("-", "").replace(" ", "")):
        query |= Q(phone_digits__contains=digits)
    return query


class OwnerField(forms.CharField):
    """An employee id, or ``none`` for leads without an owner."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        if value == POOL:
            return POOL
        if not value.isdigit() or not 0 < int(value) < 2**62:
            raise forms.ValidationError(_("请输入员工编号或 none。"), code="invalid")
        return int(value)


class OwnerFilter(django_filters.Filter):
    field_class = OwnerField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value == POOL:
            return qs.filter(owner__isnull=True)
        return qs.filter(owner_id=value)


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", max_length=100, label=_("搜索"))
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices, label=_("状态"))
    source = django_filters.CharFilter(max_length=40, label=_("线索来源"))
    industry = django_filters.CharFilter(max_length=40, label=_("行业"))
    size = django_filters.ChoiceFilter(choices=Lead.Size.choices[1:], label=_("企业规模"))
    owner = OwnerFilter(label=_("负责人"))
    owner_department = IdFilter(field_name="owner_department_id", label=_("负责部门"))
    score_min = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", min_value=0, max_value=MAX_SCORE,
        label=_("评分不低于"),
    )  # fmt: skip
    score_max = django_filters.NumberFilter(
        field_name="score", lookup_expr="lte", min_value=0, max_value=MAX_SCORE,
        label=_("评分不高于"),
    )  # fmt: skip
    region = django_filters.CharFilter(lookup_expr="icontains", max_length=100, label=_("省市区"))
    campaign = IdFilter(field_name="campaign", label=_("营销活动"))

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "industry", "size", "owner", "owner_department",
                  "score_min", "score_max", "region", "campaign"]  # fmt: skip

    def search(self, queryset, name, value):
        return queryset.filter(text_query(value))
