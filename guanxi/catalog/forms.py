"""HTML forms of the catalogue. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.catalog import selectors
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.catalog.prices import round_price
from guanxi.orgs import custom_fields

INDENT = "\u3000"  # an ideographic space per tree level in pickers


def category_options(categories, *, blank_label=None):
    options = [("", blank_label)] if blank_label is not None else []
    return options + [(str(c.pk), f"{INDENT * c.depth}{c.name}") for c in categories]


class CategoryPickerMixin:
    """A tree-ordered category ``<select>`` whose value is cleaned to the object."""

    def _set_categories(self, field, categories, *, blank_label):
        self._categories = {str(c.pk): c for c in categories}
        self.fields[field].choices = category_options(categories, blank_label=blank_label)

    def _category(self, field):
        value = self.cleaned_data.get(field)
        return self._categories.get(value) if value else None


def price_widget():
    return forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"})


class ProductForm(CategoryPickerMixin, forms.Form):
    code = forms.CharField(
        label=_("产品编号"),
        max_length=40,
        required=False,
        help_text=_("留空则按编号规则自动生成。"),
    )
    name = forms.CharField(label=_("产品名称"), max_length=200)
    mnemonic = forms.CharField(
        label=_("助记码"),
        max_length=60,
        required=False,
        help_text=_("留空则自动取名称的拼音首字母。"),
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    kind = forms.ChoiceField(
        label=_("产品类型"), choices=Product.Kind.choices, initial=Product.Kind.PURCHASED
    )
    spec = forms.CharField(label=_("规格"), max_length=200, required=False)
    model = forms.CharField(label=_("型号"), max_length=100, required=False)
    unit = forms.ChoiceField(label=_("计量单位"), required=False)
    list_price = forms.DecimalField(
        label=_("标准售价"), min_value=0, initial=0, widget=price_widget()
    )
    cost_price = forms.DecimalField(
        label=_("成本价"), min_value=0, required=False, widget=price_widget()
    )
    tax_rate = forms.DecimalField(
        label=_("税率（%）"), min_value=0, max_value=100, initial=13, widget=price_widget()
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    product_lines = forms.ModelMultipleChoiceField(
        label=_("产品线"),
        queryset=ProductLine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, show_cost=False, current_unit=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # an existing product keeps a code; it may be changed, not cleared
            self.fields["code"].required = True
            self.fields["code"].help_text = ""
        categories = selectors.tree_order(list(ProductCategory.objects.all()))
        self._set_categories("category", categories, blank_label=_("（未分类）"))
        self.fields["unit"].choices = [("", "---------"), *selectors.unit_choices(current_unit)]
        self.fields["product_lines"].queryset = ProductLine.objects.order_by("sort_order", "id")
        if not show_cost:
            del self.fields["cost_price"]
        self.custom_definitions = custom_fields.definitions("product")
        self.fields.update(custom_fields.form_fields(self.custom_definitions))

    def custom_field_names(self):
        return [custom_fields.FORM_PREFIX + d.code for d in self.custom_definitions]

    def custom_bound_fields(self):
        return [self[name] for name in self.custom_field_names()]

    def service_kwargs(self):
        """The cleaned values as ``product_create`` / ``product_update`` take them."""
        skip = {"version", *self.custom_field_names()}
        data = {name: value for name, value in self.cleaned_data.items() if name not in skip}
        data["category"] = self._category("category")
        data["custom"] = custom_fields.values_from_form(self.cleaned_data, self.custom_definitions)
        return data

    @classmethod
    def initial_for(cls, product, places):
        def price(value):
            return None if value is None else round_price(value, places)

        return {
            "code": product.code,
            "name": product.name,
            "mnemonic": product.mnemonic,
            "category": str(product.category_id or ""),
            "kind": product.kind,
            "spec": product.spec,
            "model": product.model,
            "unit": product.unit,
            "list_price": price(product.list_price),
            "cost_price": price(product.cost_price),
            "tax_rate": product.tax_rate,
            "active": product.active,
            "product_lines": [line.pk for line in product.product_lines.all()],
            "description": product.description,
            "version": product.version,
            **custom_fields.form_initial(product.custom, custom_fields.definitions("product")),
        }


class CategoryForm(CategoryPickerMixin, forms.Form):
    name = forms.CharField(label=_("分类名称"), max_length=100)
    parent = forms.ChoiceField(label=_("上级分类"), required=False)
    code = forms.CharField(label=_("分类代码"), max_length=40, required=False)
    sort_order = forms.IntegerField(label=_("排序"), required=False, initial=0)

    def __init__(self, *args, categories, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        if category is not None:  # a category cannot move under its own branch
            categories = [c for c in categories if not c.is_descendant_of(category)]
            self.fields["parent"].help_text = _("更换上级分类会把该分类及其全部下级分类一起移动。")
        self._set_categories("parent", categories, blank_label=_("（顶级分类）"))

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["parent"] = self._category("parent")
        data["sort_order"] = data.get("sort_order") or 0
        return data


class ProductLineForm(forms.Form):
    name = forms.CharField(label=_("产品线名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    sort_order = forms.IntegerField(label=_("排序"), required=False)
