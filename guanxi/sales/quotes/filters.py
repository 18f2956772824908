"""Quote list filters, shared by the list page and ``/api/v1/quotes``."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.sales.quotes.models import Quote


class QuoteFilter(django_filters.FilterSet):
    """``customer``, ``status``, ``owner``, ``date_from``/``date_to`` (quote date),
    ``q`` (code, title or customer name) and ``superseded``: by default only current
    revisions are listed; ``superseded=true`` lists only the old ones, ``all`` both."""

    q = django_filters.CharFilter(method="filter_q", label=_("关键词"))
    customer = IdFilter(field_name="customer_id", label=_("客户"))
    status = django_filters.ChoiceFilter(choices=Quote.Status.choices, label=_("状态"))
    owner = IdFilter(field_name="owner_id", label=_("负责人"))
    date_from = django_filters.DateFilter(
        field_name="quote_date", lookup_expr="gte", label=_("报价日期从")
    )
    date_to = django_filters.DateFilter(
        field_name="quote_date", lookup_expr="lte", label=_("报价日期至")
    )
    superseded = django_filters.ChoiceFilter(
        choices=(("false", _("当前版本")), ("true", _("旧版本")), ("all", _("全部版本"))),
        method="filter_superseded",
        label=_("版本"),
    )

    class Meta:
        model = Quote
        fields = ["q", "customer", "status", "owner", "date_from", "date_to", "superseded"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_superseded(self, queryset, name, value):
        # applied in filter_queryset, so that no value means "current revisions"
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        which = self.form.cleaned_data.get("superseded") or "false"
        if which == "false":
            return queryset.filter(superseded_at__isnull=True)
        if which == "true":
            return queryset.filter(superseded_at__isnull=False)
        return queryset
