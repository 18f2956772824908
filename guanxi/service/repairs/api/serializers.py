"""Repair, packing list, outlet and fee list resources. Writes pass the raw values to
the services, which validate them; nested rows (``parts``, ``lines``, ``items``) are
plain dicts."""

from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.contracts.api.serializers import RelatedId
from guanxi.service.repairs.models import (
    FeeList,
    FeeListItem,
    PackingLine,
    PackingList,
    Repair,
    RepairPart,
    ServiceOutlet,
)

DECIMAL = {"max_digits": 20, "decimal_places": 6, "coerce_to_string": True}


class FeeItemSerializer(serializers.ModelSerializer):
    product = RelatedId()
    product_name = serializers.CharField(source="product.name", read_only=True)
    price = serializers.DecimalField(**DECIMAL)

    class Meta:
        model = FeeListItem
        fields = ["product", "product_name", "price"]


class FeeListSerializer(serializers.ModelSerializer):
    items = FeeItemSerializer(many=True, required=False)
    labour_rate = serializers.DecimalField(required=False, **DECIMAL)
    call_out_fee = serializers.DecimalField(required=False, **DECIMAL)
    discount_percent = serializers.DecimalField(
        required=False, max_digits=5, decimal_places=2, coerce_to_string=True
    )
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = FeeList
        fields = [
            "id", "name", "currency", "labour_rate", "call_out_fee", "discount_percent",
            "is_default", "active", "notes", "items", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}, "currency": {"required": False}}


class TechnicianIds(serializers.ListField):
    """The outlet's technicians as employee ids (prefetched with the outlet)."""

    def get_attribute(self, instance):
        return [person.pk for person in instance.technicians.all()]


class OutletSerializer(serializers.ModelSerializer):
    manager = RelatedId(required=False, allow_null=True)
    manager_name = serializers.CharField(source="manager.name", read_only=True, default="")
    fee_list = RelatedId(required=False, allow_null=True)
    technicians = TechnicianIds(
        child=RecordId(), required=False, help_text="employee ids of the outlet's technicians"
    )
    coverage = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=500,
        help_text='region prefixes, e.g. ["广东省", "上海市 浦东新区"]',
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = ServiceOutlet
        fields = [
            "id", "code", "name", "kind", "kind_label", "address", "phone", "manager",
            "manager_name", "technicians", "coverage", "fee_list", "active", "notes",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}


class PartSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    product = RelatedId()
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    unit_price = serializers.DecimalField(
        required=False,
        allow_null=True,
        help_text="blank: the fee list's part price, else the product's price",
        **DECIMAL,
    )
    amount = serializers.DecimalField(read_only=True, **DECIMAL)

    class Meta:
        model = RepairPart
        fields = ["id", "product", "product_name", "quantity", "unit_price", "price_source",
                  "amount", "note"]  # fmt: skip
        read_only_fields = ["price_source"]


class RepairSerializer(serializers.ModelSerializer):
    customer = RelatedId(required=False, help_text="required unless ``ticket`` is given")
    ticket = RelatedId(required=False, allow_null=True, help_text="prefills the repair")
    installed_product = RelatedId(required=False, allow_null=True)
    product = RelatedId(required=False, allow_null=True)
    outlet = RelatedId(
        required=False, allow_null=True, help_text="blank: the outlet covering the region"
    )
    owner = RelatedId(required=False, allow_null=True, help_text="the technician")
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    labour_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, coerce_to_string=True
    )
    parts = PartSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Repair
        fields = [
            "id", "code", "ticket", "customer", "customer_name", "installed_product", "product",
            "serial_number", "outlet", "outlet_reason", "owner", "owner_department", "status",
            "status_label", "fault_description", "diagnosis", "result", "received_on",
            "done_on", "returned_on", "chargeable", "entitlement_note", "labour_hours",
            "call_out", "currency", "labour_rate", "call_out_fee", "discount_percent",
            "labour_amount", "parts_amount", "call_out_amount", "discount_amount", "value",
            "total", "parts", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "outlet_reason", "owner_department", "status", "done_on", "returned_on",
            "chargeable", "entitlement_note", "currency", "labour_rate", "call_out_fee",
            "discount_percent", "labour_amount", "parts_amount", "call_out_amount",
            "discount_amount", "value", "total", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "fault_description": {"required": False},
            "received_on": {"input_formats": ["%Y-%m-%d"]},
        }


class TransitionSerializer(serializers.Serializer):
    status = serializers.CharField()
    version = serializers.IntegerField(required=False, min_value=1)


class EntitlementSerializer(serializers.Serializer):
    chargeable = serializers.BooleanField()
    entitlement_note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PackingLineSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    product = RelatedId()
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)

    class Meta:
        model = PackingLine
        fields = ["id", "product", "product_name", "quantity", "serial_numbers", "note"]


class PackingListSerializer(serializers.ModelSerializer):
    customer = RelatedId(required=False, help_text="required unless ``repair`` is given")
    repair = RelatedId(
        required=False, allow_null=True, help_text="生成装箱单: the repair's parts become lines"
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lines = PackingLineSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = PackingList
        fields = [
            "id", "code", "repair", "customer", "customer_name", "ship_to_name",
            "ship_to_phone", "ship_to_address", "carrier", "tracking_number", "status",
            "status_label", "shipped_on", "delivered_on", "notes", "owner", "owner_department",
            "lines", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "shipped_on", "delivered_on", "owner", "owner_department",
            "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "ship_to_name": {"required": False},
            "ship_to_address": {"required": False},
        }
