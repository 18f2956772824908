"""Product list filters, shared by the list page, the API and the export job."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import Product, ProductCategory

ORDERING_FIELDS = ("code", "name", "list_price")


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    category = django_filters.NumberFilter(method="filter_category", label=_("分类"))
    kind = django_filters.ChoiceFilter(choices=Product.Kind.choices, label=_("产品类型"))
    active = django_filters.BooleanFilter(label=_("启用"))
    ordering = django_filters.OrderingFilter(
        fields=[(name, name) for name in ORDERING_FIELDS], label=_("排序")
    )

    class Meta:
        model = Product
        fields = ["q", "category", "kind", "active"]

    def filter_q(self, queryset, name, value):
        """A fragment of the code, the name or the mnemonic (pinyin initials)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(mnemonic__icontains=value.upper())
        )

    def filter_category(self, queryset, name, value):
        """The category and every sub-category under it."""
        if value != int(value) or not 0 < value < 2**63:
            return queryset.none()
        path = ProductCategory.objects.filter(pk=int(value)).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(category__path__startswith=path)


def filter_params(data):
    """The filter values of ``data`` worth keeping (for an export job's params)."""
    keep = ("q", "category", "kind", "active", "ordering")
    return {key: str(data[key]) for key in keep if data.get(key) not in (None, "")}
