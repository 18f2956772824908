"""API serializers shared by the sales documents with lines."""

from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.lines import MAX_LINES


class LineSerializer(serializers.Serializer):
    """One document line, with the API names ``product``, ``quantity``,
    ``unit_price``, ``discount``, ``tax_rate`` (and ``description``).

    Writing passes the raw values on to ``guanxi.sales.lines.clean_lines`` (the one
    validation of lines, shared with the HTML editor), so only the shape is checked
    here; reading adds the computed ``amount``, ``tax``, ``total`` and the product's
    name and code."""

    position = serializers.IntegerField(read_only=True)
    product = RecordId(source="product_id")
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    quantity = serializers.DecimalField(max_digits=None, decimal_places=None)
    unit_price = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    discount = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    tax_rate = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    amount = serializers.DecimalField(max_digits=20, decimal_places=6, read_only=True)
    tax = serializers.DecimalField(max_digits=20, decimal_places=6, read_only=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=6, read_only=True)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # the API name for clean_lines (the read side's source is product_id)
        value["product"] = value.pop("product_id")
        return {key: val for key, val in value.items() if val is not None}


class LinesField(serializers.ListField):
    """``lines: [...]`` of a document: at most ``MAX_LINES`` rows of ``LineSerializer``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", LineSerializer())
        kwargs.setdefault("max_length", MAX_LINES)
        super().__init__(**kwargs)
