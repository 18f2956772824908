"""Product catalogue API shapes. Writes go through ``catalog.services``."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.catalog.prices import round_price


class FixedDecimalField(serializers.DecimalField):
    """Accepts any decimal (the service validates and rounds it); answers with
    a string of exactly ``places`` decimals (e.g. the org's price decimals)."""

    def __init__(self, *, places_key=None, places=2, **kwargs):
        self.places_key = places_key
        self.places = places
        super().__init__(max_digits=None, decimal_places=None, **kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        places = self.context.get(self.places_key, self.places) if self.places_key else self.places
        return str(round_price(Decimal(value), places))


class ProductSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("留空则按编号规则自动生成。")
    )
    mnemonic = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text=_("留空则取名称的拼音首字母。")
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=ProductCategory.objects, allow_null=True, required=False
    )
    kind = serializers.ChoiceField(choices=Product.Kind.choices, required=False)
    unit = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=_("数据字典“计量单位”中的代码，如 pcs、set。"),
    )
    list_price = FixedDecimalField(places_key="price_places", required=False)
    cost_price = FixedDecimalField(
        places_key="price_places",
        required=False,
        allow_null=True,
        help_text=_("没有“查看成本价和利润”权限时返回 null，写入会被拒绝（403）。"),
    )
    tax_rate = FixedDecimalField(places=2, required=False, help_text=_("百分比，如 13.00。"))
    product_lines = serializers.PrimaryKeyRelatedField(
        queryset=ProductLine.objects, many=True, required=False
    )
    tangible = serializers.BooleanField(read_only=True)
    custom = serializers.DictField(
        required=False,
        help_text=_(
            "自定义字段的值，键为字段代码（见 /api/v1/custom-fields?entity=product）；"
            "修改时只更新给出的键，值为 null 或空表示清空。"
        ),
    )
    version = serializers.IntegerField(
        required=False, help_text=_("修改时传入读取到的版本号；版本已变化则返回 409。")
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "mnemonic",
            "category",
            "kind",
            "tangible",
            "spec",
            "model",
            "unit",
            "list_price",
            "cost_price",
            "tax_rate",
            "active",
            "product_lines",
            "description",
            "custom",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        # querysets are evaluated inside the request's org scope
        fields = super().get_fields()
        fields["category"].queryset = ProductCategory.objects.all()
        fields["product_lines"].child_relation.queryset = ProductLine.objects.all()
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("view_cost", False):
            data["cost_price"] = None
        return data


class ProductCategorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=ProductCategory.objects,
        allow_null=True,
        required=False,
        help_text=_("修改上级分类即移动整个分支。"),
    )
    code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    product_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = ProductCategory
        fields = [
            "id",
            "name",
            "code",
            "parent",
            "path",
            "depth",
            "sort_order",
            "product_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]
        validators = []  # uniqueness among siblings is checked by the service

    def get_fields(self):
        fields = super().get_fields()
        fields["parent"].queryset = ProductCategory.objects.all()
        return fields


class ProductLineSerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = ProductLine
        fields = [
            "id",
            "name",
            "description",
            "sort_order",
            "product_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"sort_order": {"required": False}}
        validators = []  # name uniqueness is checked by the service
