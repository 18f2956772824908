"""Contract resources. Writes pass the raw ``lines`` and ``payment_plan`` to the services,
which validate them (the same rules and messages as the screens)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.contracts.models import Contract, ContractAttachment


class RelatedId(RecordId):
    """A related record by id: an integer in, the related row's id out."""

    def to_representation(self, value):
        return getattr(value, "pk", value)


def money(value, places):
    return str(Decimal(value).quantize(Decimal(1).scaleb(-int(places))))


class LineInputSerializer(serializers.Serializer):
    """One document line as sent: ``unit_price`` defaults to the product's list price,
    ``tax_rate`` to its tax rate, ``discount`` (percent) to 0."""

    product = RecordId()
    quantity = serializers.CharField()
    unit_price = serializers.CharField(required=False, allow_blank=True)
    discount = serializers.CharField(required=False, allow_blank=True)
    tax_rate = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class InstalmentSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text=_("大于 0，最多为合同小数位数"))
    due_date = serializers.CharField(help_text=_("日期，格式 YYYY-MM-DD"))


class DocumentReadMixin:
    """Lines, totals and the plan in the org's decimal places (``context["places"]``)."""

    money_fields = ("subtotal", "discount_amount", "amount", "tax", "total")

    def _places(self):
        return self.context.get("places", 2)

    def _lines(self, instance):
        places = self._places()
        return [
            {
                "id": line.pk,
                "position": line.position,
                "product": line.product_id,
                "product_name": line.product.name,
                "product_code": line.product.code,
                "description": line.description,
                "quantity": str(line.quantity.normalize()),
                "unit_price": str(line.unit_price.normalize()),
                "discount": str(line.discount),
                "tax_rate": str(line.tax_rate),
                "amount": money(line.amount, places),
                "tax": money(line.tax, places),
                "total": money(line.total, places),
            }
            for line in instance.lines.all()
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        places = self._places()
        for name in self.money_fields:
            data[name] = money(getattr(instance, name), places)
        data["lines"] = self._lines(instance)
        return data


class ContractSerializer(DocumentReadMixin, serializers.ModelSerializer):
    customer = RelatedId(required=False, help_text=_("从报价单签合同时可省略（取报价单的客户）"))
    contact = RelatedId(required=False, allow_null=True)
    opportunity = RelatedId(required=False, allow_null=True)
    quote = RelatedId(
        required=False,
        allow_null=True,
        help_text=_("从报价单签合同：复制其客户、联系人、商机和明细（未给出 lines 时）"),
    )
    owner = RelatedId(required=False, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lines = LineInputSerializer(many=True, required=False, write_only=True)
    payment_plan = InstalmentSerializer(many=True, required=False, write_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Contract
        fields = [
            "id", "code", "title", "customer", "customer_name", "contact", "opportunity",
            "quote", "status",
            "status_label", "currency", "subtotal", "discount_amount", "amount", "tax", "total",
            "max_discount", "terms", "start_date", "end_date", "signed_on", "owner",
            "owner_department", "lines", "payment_plan", "submitted_at", "effective_at",
            "closed_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "currency", "subtotal", "discount_amount", "amount", "tax",
            "total", "max_discount", "owner_department", "submitted_at", "effective_at",
            "closed_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "title": {"required": False},
            "start_date": {"input_formats": ["%Y-%m-%d"]},
            "end_date": {"input_formats": ["%Y-%m-%d"]},
            "signed_on": {"input_formats": ["%Y-%m-%d"]},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        places = self._places()
        data["payment_plan"] = [
            {"amount": money(item.amount, places), "due_date": item.due_date.isoformat()}
            for item in instance.instalments.all()
        ]
        return data


class SplitPlanSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=20, decimal_places=6, min_value=Decimal("0.000001"))
    count = serializers.IntegerField(min_value=1, max_value=120)
    first_due_date = serializers.DateField()
    months_between = serializers.IntegerField(min_value=0, max_value=24, default=1)


class ContractAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractAttachment
        fields = ["id", "original_name", "size", "content_type", "uploaded_by", "created_at"]
        read_only_fields = fields


class ContractUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ContractCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)
