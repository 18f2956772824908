"""Customer and contact list filters, shared by the screens, the API, exports and saved
filters (常用筛选).

Every condition is either an index lookup (the search index for text, e-mail and phone
digits; the month-day index for birthdays; the owner, department and customer indexes)
or a column check made while the list walks its org index newest first under a LIMIT,
with the count capped (``capped_count``): no condition makes a list read the whole table
or run a query per row.
"""

import datetime
import json
import re
from datetime import timedelta

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.core.tenancy import current_org_id
from guanxi.customers.models import Contact, Customer
from guanxi.customers.selectors import text_query
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.orgs import custom_fields
from guanxi.orgs.models import DictionaryEntry
from guanxi.search import query as search_query

TAG_SEPARATORS = re.compile(r"[,，;；]")
PHONE_DIGITS_MIN = 4


def _digits(value):
    return "".join(ch for ch in value if ch.isdigit())


def _indexed(queryset, value, kind, check):
    """Rows whose search entry holds ``value`` (index) and that pass ``check`` (a Q on
    the row itself, so a hit on another field of the entry does not count); a value too
    short for the index is checked on the rows alone."""
    found = search_query.matching_ids(value, org_id=current_org_id(), kind=kind)
    if found is None:
        return queryset.filter(check)
    return queryset.filter(check, pk__in=RawSQL(*found))  # noqa: S611 - parameterised


def _blank_q(field, has):
    """``has``: the field is filled in; otherwise it is empty."""
    empty = Q(**{field: ""}) | Q(**{f"{field}__isnull": True})
    return ~empty if has else empty


class CustomFieldFilterMixin:
    """Besides what each filter checks alone (dates, numbers, choices), the form checks
    the dictionary codes (one query for all of them, retired entries included: a
    customer may still hold one) and the custom field values: a condition the list
    cannot apply is an error, so a list shows it, the API answers 400 and an export
    refuses to start, instead of leaving it out and giving more rows than asked."""

    entity = ""
    searches_code = True
    # filter name -> dictionary kind
    dictionary_filters: dict[str, str] = {}

    @property
    def custom_definitions(self):
        if not hasattr(self, "_custom_definitions"):
            self._custom_definitions = custom_fields.definitions(self.entity)
        return self._custom_definitions

    def get_form_class(self):
        base = super().get_form_class()
        check = self.check_conditions

        class ConditionsForm(base):
            def clean(self):
                cleaned = super().clean()
                check(self)
                return cleaned

        return ConditionsForm

    def check_conditions(self, form):
        """Add an error to ``form`` for each unknown dictionary code and each custom
        field value of the wrong kind."""
        wanted = {
            name: form.cleaned_data[name]
            for name in self.dictionary_filters
            if form.cleaned_data.get(name)
        }
        if wanted:
            known = set(
                DictionaryEntry.objects.filter(
                    kind__in={self.dictionary_filters[name] for name in wanted},
                    code__in=set(wanted.values()),
                ).values_list("kind", "code")
            )
            for name, code in wanted.items():
                if (self.dictionary_filters[name], code) not in known:
                    # the value goes in as a parameter: a code holding "%(…)s" stays text
                    form.add_error(
                        name,
                        ValidationError(
                            _("“%(code)s”不是有效的选项。"),
                            code="invalid_choice",
                            params={"code": code},
                        ),
                    )
        data = self.data or {}
        for definition in self.custom_definitions:
            key = custom_fields.FORM_PREFIX + definition.code
            raw = data.get(key)
            if raw in (None, ""):
                continue
            if _custom_value_ok(definition, raw):
                continue
            form.errors.setdefault(key, form.error_class()).append(
                ValidationError(
                    _("“%(value)s”不是“%(field)s”的有效值。"),
                    code="invalid",
                    params={"value": raw, "field": definition.display_label},
                )
            )

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

    def filter_email(self, queryset, name, value):
        """E-mail containing the text (the index finds candidates, the column decides)."""
        value = value.strip()
        if not value:
            return queryset
        return _indexed(queryset, value, self.entity, Q(email__icontains=value))

    def filter_phone(self, queryset, name, value):
        """Any of the record's phone numbers containing these digits (4 or more)."""
        digits = _digits(value)
        if not digits:
            return queryset
        return _indexed(queryset, digits, self.entity, Q(phone_digits__contains=digits))

    def filter_has(self, queryset, name, value):
        field = {"has_mobile": "mobile", "has_email": "email", "has_parent": "parent"}[name]
        if field == "parent":
            return queryset.filter(parent__isnull=not value)
        return queryset.filter(_blank_q(field, value))


def _custom_value_ok(definition, raw):
    """Whether ``custom_fields.filter_q`` can apply ``raw`` (an employee is checked for
    its form only: the filter itself looks the employee up)."""
    if definition.field_type == custom_fields.FieldType.EMPLOYEE:
        return str(raw).strip().isdigit()
    try:
        raw = [raw] if definition.field_type == custom_fields.FieldType.MULTI_CHOICE else raw
        custom_fields.coerce(definition, raw)
    except (ValueError, TypeError):
        return False
    return True


def _phone_digits_validator(value):
    if value and len(_digits(value)) < PHONE_DIGITS_MIN:
        raise ValidationError(
            _("电话条件至少要有 %(n)d 位数字。") % {"n": PHONE_DIGITS_MIN}, code="phone_digits"
        )


def phone_filter():
    """A phone condition: at least four digits (fewer would match almost everything)."""
    return django_filters.CharFilter(
        method="filter_phone", max_length=40, validators=[_phone_digits_validator], label=_("电话")
    )


class CustomerFilter(CustomFieldFilterMixin, django_filters.FilterSet):
    entity = "customer"
    dictionary_filters = DICTIONARY_FIELDS
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    department = IdFilter(field_name="department_id", label=_("负责部门"))
    lifecycle_stage = django_filters.ChoiceFilter(
        choices=Customer.Lifecycle.choices, label=_("生命周期阶段")
    )
    # every filter is declared: django-filter would otherwise read the model's
    # default manager while building the class, at import, outside any org
    industry = django_filters.CharFilter(label=_("行业"))
    level = django_filters.CharFilter(label=_("客户级别"))
    type = django_filters.CharFilter(label=_("客户类型"))
    status = django_filters.CharFilter(label=_("客户状态"))
    source = django_filters.CharFilter(label=_("客户来源"))
    credit_rating = django_filters.CharFilter(label=_("信用等级"))
    value_tier = django_filters.ChoiceFilter(
        choices=Customer.ValueTier.choices, label=_("价值等级")
    )
    credit_limit_min = django_filters.NumberFilter(
        field_name="credit_limit", lookup_expr="gte", min_value=0, label=_("信用额度不低于")
    )
    credit_limit_max = django_filters.NumberFilter(
        field_name="credit_limit", lookup_expr="lte", min_value=0, label=_("信用额度不高于")
    )
    parent = IdFilter(field_name="parent_id", label=_("上级单位"))
    parent_q = django_filters.CharFilter(
        method="filter_parent_q", max_length=100, label=_("上级单位名称")
    )
    has_parent = django_filters.BooleanFilter(method="filter_has", label=_("有上级单位"))
    email = django_filters.CharFilter(method="filter_email", max_length=100, label=_("电子邮件"))
    phone = phone_filter()
    is_person = django_filters.BooleanFilter(label=_("个人客户"))
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("省市区"))
    tag = django_filters.CharFilter(method="filter_tag", max_length=200, label=_("标签"))
    registered_after = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="gte", label=_("登记日期从")
    )
    registered_before = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="lte", label=_("登记日期到")
    )
    idle_days = django_filters.NumberFilter(
        method="filter_idle", min_value=1, max_value=36500, label=_("未跟进天数不少于")
    )
    followup_after = django_filters.DateFilter(
        field_name="next_followup_on", lookup_expr="gte", label=_("下次跟进不早于")
    )
    followup_due = django_filters.DateFilter(
        field_name="next_followup_on", lookup_expr="lte", label=_("下次跟进不晚于")
    )

    def filter_tag(self, queryset, name, value):
        """Customers carrying every tag given (separated by commas; JSON text match, as
        stored on SQLite and PostgreSQL)."""
        for tag in {t.strip() for t in TAG_SEPARATORS.split(value) if t.strip()}:
            queryset = queryset.filter(
                Q(tags__icontains=json.dumps(tag))
                | Q(tags__icontains=json.dumps(tag, ensure_ascii=False))
            )
        return queryset

    def filter_parent_q(self, queryset, name, value):
        """Subsidiaries of the customers whose name, code or pinyin match (search index)."""
        value = value.strip()
        if not value:
            return queryset
        found = search_query.matching_ids(value, org_id=current_org_id(), kind=self.entity)
        if found is None:
            parents = Customer.objects.filter(text_query(value)).values("pk")
            return queryset.filter(parent_id__in=parents)
        return queryset.filter(parent_id__in=RawSQL(*found))  # noqa: S611 - parameterised

    def filter_idle(self, queryset, name, value):
        """No follow-up for at least ``value`` days (never followed up: counted from creation)."""
        cutoff = timezone.now() - timedelta(days=int(value))
        return queryset.filter(
            Q(last_followup_at__lt=cutoff) | Q(last_followup_at__isnull=True, created_at__lt=cutoff)
        )

    class Meta:
        model = Customer
        fields: list[str] = []


def month_day_ranges(start, days):
    """The ``[(first, last)]`` month-day ranges (``month * 100 + day``) of the ``days``
    days from ``start`` on (both ends included), split where the year turns."""
    end = start + datetime.timedelta(days=days)
    first, last = start.month * 100 + start.day, end.month * 100 + end.day
    if days >= 365:
        return [(101, 1231)]
    if end.year > start.year:
        return [(first, 1231), (101, last)]
    return [(first, last)]


class ContactFilter(CustomFieldFilterMixin, django_filters.FilterSet):
    entity = "contact"
    searches_code = False
    dictionary_filters = {"customer_level": DICTIONARY_FIELDS["level"]}
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    department = IdFilter(field_name="owner_department_id", label=_("负责部门"))
    is_primary = django_filters.BooleanFilter(label=_("主联系人"))
    gender = django_filters.ChoiceFilter(
        choices=[c for c in Contact.Gender.choices if c[0]], label=_("性别")
    )
    title = django_filters.CharFilter(lookup_expr="icontains", max_length=100, label=_("职务"))
    department_name = django_filters.CharFilter(
        lookup_expr="icontains", max_length=100, label=_("所在部门")
    )
    has_mobile = django_filters.BooleanFilter(method="filter_has", label=_("有手机"))
    has_email = django_filters.BooleanFilter(method="filter_has", label=_("有电子邮件"))
    email = django_filters.CharFilter(method="filter_email", max_length=100, label=_("电子邮件"))
    phone = phone_filter()
    birthday_month = django_filters.NumberFilter(
        method="filter_birthday_month", min_value=1, max_value=12, label=_("生日月份")
    )
    birthday_within = django_filters.NumberFilter(
        method="filter_birthday_within", min_value=0, max_value=366, label=_("几天内过生日")
    )
    customer_level = django_filters.CharFilter(field_name="customer__level", label=_("客户级别"))

    def filter_birthday_month(self, queryset, name, value):
        """Birthdays in that month (the month-day index)."""
        month = int(value)
        return queryset.filter(birthday_md__gte=month * 100 + 1, birthday_md__lte=month * 100 + 31)

    def filter_birthday_within(self, queryset, name, value):
        """Birthdays from today to ``value`` days ahead, across the turn of the year."""
        ranges = month_day_ranges(timezone.localdate(), int(value))
        q = Q()
        for first, last in ranges:
            q |= Q(birthday_md__gte=first, birthday_md__lte=last)
        return queryset.filter(q)

    class Meta:
        model = Contact
        fields: list[str] = []
