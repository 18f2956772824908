"""Customer and contact list filters, shared by the screens and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Contact, Customer
from guanxi.customers.selectors import text_query
from guanxi.orgs import custom_fields


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
        return queryset.filter(text_query(value, with_code=self.searches_code))


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
