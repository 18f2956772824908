"""Product list filters, shared by the list page, the API and the export job."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import Product, ProductCategory
from guanxi.orgs import custom_fields

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

    @property
    def custom_definitions(self):
        if not hasattr(self, "_custom_definitions"):
            self._custom_definitions = custom_fields.definitions("product")
        return self._custom_definitions

    def filter_queryset(self, queryset):
        """The declared filters, then ``cf_<code>=value`` for the org's custom fields."""
        queryset = super().filter_queryset(queryset)
        q = custom_fields.filter_q(self.custom_definitions, self.data or {})
        return queryset.filter(q) if q else queryset

    def filter_q(self, queryset, name, value):
        """A fragment of the code, the name, the mnemonic (pinyin initials) or of a
        custom text field marked searchable."""
        value = value.strip()
        if not value:
            return queryset
        query = (
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(mnemonic__icontains=value.upper())
        )
        for definition in self.custom_definitions:
            if definition.searchable and definition.field_type == custom_fields.FieldType.TEXT:
                query |= Q(**{f"custom__{definition.code}__icontains": value})
        return queryset.filter(query)

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
    params = {key: str(data[key]) for key in keep if data.get(key) not in (None, "")}
    params.update(
        (key, str(data[key]))
        for key in data
        if key.startswith(custom_fields.FORM_PREFIX) and data.get(key) not in (None, "")
    )
    return params
