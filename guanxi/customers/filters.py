"""Customer and contact list filters, shared by the screens and the API."""

import json
from datetime import timedelta

import django_filters
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.tenancy import current_org_id
from guanxi.customers.models import Contact, Customer
from guanxi.customers.selectors import text_query
from guanxi.orgs import custom_fields
from guanxi.search import query as search_query


class CustomFieldFilterMixin:
    entity = ""
    searches_code = True

    @property
    def custom_definitions(self):
        if not hasattr(self, "_custom_definitions"):
            self._custom_definitions = custom_fields.definitions(self.entity)
        return self._custom_definitions

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        q = custom_fields.filter_q(self.custom_definitions, self.data or {})
        return queryset.filter(q) if q else queryset

    def filter_q(self, queryset, name, value):
        """The search index finds the matches (fragment, pinyin, code, e-mail, phone
        digits); a one-character query, which gives the index nothing, is scanned."""
        found = search_query.matching_ids(value, org_id=current_org_id(), kind=self.entity)
        if found is None:
            return queryset.filter(text_query(value, with_code=self.searches_code))
        return queryset.filter(pk__in=RawSQL(*found))  # noqa: S611 - parameterised, built by search


class CustomerFilter(CustomFieldFilterMixin, django_filters.FilterSet):
    entity = "customer"
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("负责人"))
    department = django_filters.NumberFilter(field_name="department_id", label=_("负责部门"))
    lifecycle_stage = django_filters.ChoiceFilter(choices=Customer.Lifecycle.choices)
    # every filter is declared: django-filter would otherwise read the model's
    # default manager while building the class, at import, outside any org
    industry = django_filters.CharFilter(label=_("行业"))
    level = django_filters.CharFilter(label=_("客户级别"))
    type = django_filters.CharFilter(label=_("客户类型"))
    status = django_filters.CharFilter(label=_("客户状态"))
    source = django_filters.CharFilter(label=_("客户来源"))
    credit_rating = django_filters.CharFilter(label=_("信用等级"))
    is_person = django_filters.BooleanFilter(label=_("个人客户"))
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("省市区"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("标签"))
    registered_after = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="gte", label=_("登记日期从")
    )
    registered_before = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="lte", label=_("登记日期到")
    )
    idle_days = django_filters.NumberFilter(
        method="filter_idle", min_value=1, max_value=36500, label=_("未跟进天数不少于")
    )
    followup_due = django_filters.DateFilter(
        field_name="next_followup_on", lookup_expr="lte", label=_("下次跟进不晚于")
    )

    def filter_tag(self, queryset, name, value):
        """Customers carrying the tag (JSON text match, as stored on SQLite and PostgreSQL)."""
        tag = value.strip()
        if not tag:
            return queryset
        return queryset.filter(
            Q(tags__icontains=json.dumps(tag))
            | Q(tags__icontains=json.dumps(tag, ensure_ascii=False))
        )

    def filter_idle(self, queryset, name, value):
        """No follow-up for at least ``value`` days (never followed up: counted from creation)."""
        cutoff = timezone.now() - timedelta(days=int(value))
        return queryset.filter(
            Q(last_followup_at__lt=cutoff) | Q(last_followup_at__isnull=True, created_at__lt=cutoff)
        )

    class Meta:
        model = Customer
        fields: list[str] = []


class ContactFilter(CustomFieldFilterMixin, django_filters.FilterSet):
    entity = "contact"
    searches_code = False
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("客户"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("负责人"))
    is_primary = django_filters.BooleanFilter(label=_("主联系人"))

    class Meta:
        model = Contact
        fields: list[str] = []
