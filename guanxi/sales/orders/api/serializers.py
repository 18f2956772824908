"""Order resources. Writes pass the raw ``lines`` to the services, which validate them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.sales.contracts.api.serializers import (
    DocumentReadMixin,
    LineInputSerializer,
    RelatedId,
)
from guanxi.sales.orders import credit
from guanxi.sales.orders.models import Order


class OrderSerializer(DocumentReadMixin, serializers.ModelSerializer):
    customer = RelatedId(required=False, help_text=_("直接下单时必填；根据合同下单时取合同的客户"))
    contract = RelatedId(required=False, allow_null=True, help_text=_("已生效的合同"))
    quote = RelatedId(
        required=False, allow_null=True, help_text=_("从报价单下单：复制其客户、联系人和明细")
    )
    contact = RelatedId(required=False, allow_null=True)
    owner = RelatedId(required=False, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    delivery_status_label = serializers.CharField(
        source="get_delivery_status_display", read_only=True
    )
    credit_reason = serializers.SerializerMethodField()
    lines = LineInputSerializer(many=True, required=False, write_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Order
        fields = [
            "id", "code", "title", "customer", "customer_name", "contact", "contract", "quote",
            "status", "status_label", "order_date", "payment_due_date", "delivery_status",
            "delivery_status_label", "shipped_on", "delivered_on", "currency", "subtotal",
            "discount_amount", "amount", "tax", "total", "notes", "credit_check",
            "credit_reason", "owner", "owner_department", "lines", "confirmed_at",
            "closed_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "delivery_status", "shipped_on", "delivered_on", "currency",
            "subtotal", "discount_amount", "amount", "tax", "total", "credit_check",
            "owner_department", "confirmed_at", "closed_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "order_date": {"input_formats": ["%Y-%m-%d"]},
            "payment_due_date": {"input_formats": ["%Y-%m-%d"]},
        }

    def get_credit_reason(self, order) -> str:
        """The last failed credit check, readable, with its figures ("" when none)."""
        return credit.reason(order.credit_check)


class OrderDeliverySerializer(serializers.Serializer):
    delivery_status = serializers.ChoiceField(choices=Order.Delivery.choices)
    shipped_on = serializers.DateField(required=False, allow_null=True)
    delivered_on = serializers.DateField(required=False, allow_null=True)
