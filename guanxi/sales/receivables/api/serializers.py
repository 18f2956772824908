"""Serializers of ``/api/v1/receivables``, ``/api/v1/payments`` and ``/api/v1/invoices``.

Amounts travel as decimal strings, shown to the org's contract decimal places (the view
puts them in the context as ``places``); input is checked and rounded by the services.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.receivables.models import Invoice, Payment, PaymentAllocation, Receivable

MAX_DIGITS = 20


class MoneyField(serializers.DecimalField):
    """A money amount: any decimal string or number in, the org's places out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        try:
            places = self.context.get("places", 2)
        except AttributeError:  # an unbound field has no context
            places = 2
        return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))

    def validate_precision(self, value):
        # more decimals than the org keeps are rounded by the service, not refused
        return value


def _read_money(**kwargs):
    return MoneyField(read_only=True, **kwargs)


class ReceivableSerializer(serializers.ModelSerializer):
    customer = RecordId(write_only=True, help_text=_("客户 id（创建时必填，之后不能改）。"))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = RecordId(
        required=False, write_only=True, help_text=_("负责人（员工 id），默认客户的负责人。")
    )
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    amount = MoneyField()
    paid_amount = _read_money()
    open_amount = _read_money()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, help_text=_("修改时：您读到的版本号（已被他人修改则 409）。")
    )

    class Meta:
        model = Receivable
        fields = [
            "id", "code", "customer", "customer_name", "owner", "owner_name",
            "owner_department", "source_type", "source_id", "source_code", "title",
            "amount", "paid_amount", "open_amount", "currency", "booked_on", "due_date",
            "status", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "owner_department", "source_type", "source_id", "source_code",
            "currency", "booked_on", "status", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["customer"] = instance.customer_id
        data["owner"] = instance.owner_id
        return data


class AllocationSerializer(serializers.Serializer):
    receivable = RecordId(help_text=_("应收款 id（须是同一客户的）。"))
    amount = MoneyField(help_text=_("核销金额，不超过应收款未收金额。"))


class AllocationReadSerializer(serializers.ModelSerializer):
    receivable_code = serializers.CharField(source="receivable.code", read_only=True)
    amount = MoneyField()

    class Meta:
        model = PaymentAllocation
        fields = ["id", "receivable", "receivable_code", "amount", "created_at"]


class PaymentSerializer(serializers.ModelSerializer):
    customer = RecordId(write_only=True, help_text=_("客户 id（创建时必填，之后不能改）。"))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = RecordId(
        required=False, write_only=True, help_text=_("负责人（员工 id），默认客户的负责人。")
    )
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    amount = MoneyField()
    allocated_amount = _read_money()
    unallocated_amount = _read_money()
    received_at = serializers.DateField(help_text=_("到账日期。"))
    allocations = AllocationSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_("核销到应收款：[{receivable, amount}]；未核销部分留作客户余款。"),
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Payment
        fields = [
            "id", "code", "customer", "customer_name", "owner", "owner_name",
            "owner_department", "amount", "allocated_amount", "unallocated_amount",
            "currency", "received_at", "method", "reference", "notes", "allocations",
            "status", "voided_at", "void_reason", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "owner_department", "currency", "status", "voided_at", "void_reason",
            "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["customer"] = instance.customer_id
        data["owner"] = instance.owner_id
        data["allocations"] = AllocationReadSerializer(
            instance.allocations.all(), many=True, context=self.context
        ).data
        return data


class InvoiceSerializer(serializers.ModelSerializer):
    customer = RecordId(write_only=True, help_text=_("客户 id（创建时必填，之后不能改）。"))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = RecordId(required=False, write_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    number = serializers.CharField(max_length=40, help_text=_("发票上的号码，本组织内唯一。"))
    amount = MoneyField(help_text=_("价税合计。"))
    tax_amount = MoneyField(required=False, help_text=_("其中税额。"))
    receivables = serializers.ListField(
        child=RecordId(),
        required=False,
        write_only=True,
        help_text=_("关联的应收款 id（同一客户）。"),
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Invoice
        fields = [
            "id", "number", "type", "customer", "customer_name", "owner", "owner_name",
            "owner_department", "amount", "tax_amount", "currency", "issued_on",
            "receivables", "notes", "status", "voided_at", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "owner_department", "currency", "status", "voided_at", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["customer"] = instance.customer_id
        data["owner"] = instance.owner_id
        data["receivables"] = sorted(r.pk for r in instance.receivables.all())
        return data


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class VoidSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AllocateSerializer(serializers.Serializer):
    allocations = AllocationSerializer(many=True)


class AgeingRowSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField()
    not_due = MoneyField()
    d1_30 = MoneyField()
    d31_60 = MoneyField()
    d61_90 = MoneyField()
    d90_plus = MoneyField()
    overdue = MoneyField()
    total = MoneyField()
    dso = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)


class AgeingSerializer(serializers.Serializer):
    today = serializers.DateField()
    items = AgeingRowSerializer(source="rows", many=True)
    totals = AgeingRowSerializer()


class StatementLineSerializer(serializers.Serializer):
    day = serializers.DateField()
    kind = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    debit = MoneyField()
    credit = MoneyField()
    balance = MoneyField()


class StatementSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    opening = MoneyField()
    debits = MoneyField()
    credits = MoneyField()
    closing = MoneyField()
    lines = StatementLineSerializer(many=True)
