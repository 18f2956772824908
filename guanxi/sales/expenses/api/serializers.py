"""Serializers of ``/api/v1/expenses``: thin, the services validate."""

from django.urls import reverse
from rest_framework import serializers

from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee
from guanxi.sales.expenses.models import Expense, ExpenseReceipt
from guanxi.sales.opportunities.models import Opportunity
from guanxi.workspace.approvals import services as approvals

WRITE = ["category", "amount", "currency", "incurred_on", "description", "customer",
         "opportunity", "owner"]  # fmt: skip
READ_ONLY = [
    "id", "code", "status", "status_label", "category_label", "owner_department",
    "customer_name", "opportunity_name", "owner_name", "submitted_at", "decided_at",
    "reimbursed", "reimbursed_at", "created_at", "updated_at",
]  # fmt: skip


class ExpenseListSerializer(serializers.ModelSerializer):
    """An expense in a list (without its receipts)."""

    # text, not a number field: the service answers every bad amount with its own message
    amount = serializers.CharField(max_length=40)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects, required=False, allow_null=True
    )
    opportunity = serializers.PrimaryKeyRelatedField(
        queryset=Opportunity.objects, required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=Employee.objects, required=False)
    customer_name = serializers.CharField(source="customer.name", read_only=True, default="")
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True, default="")
    owner_name = serializers.CharField(source="owner.name", read_only=True, default="")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    reimbursed = serializers.BooleanField(read_only=True)
    # the optimistic lock: send back the version you loaded with a PATCH (stale: 409)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Expense
        fields = [*READ_ONLY, *WRITE, "version"]
        read_only_fields = READ_ONLY
        extra_kwargs = {"incurred_on": {"required": True}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["amount"] = f"{instance.amount:f}"
        return data


class ReceiptSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ExpenseReceipt
        fields = ["id", "original_name", "size", "content_type", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, receipt) -> str:
        return reverse("expenses:receipt_download", args=[receipt.pk])


class ExpenseSerializer(ExpenseListSerializer):
    """An expense with its receipts and its approval status."""

    receipts = ReceiptSerializer(many=True, read_only=True)
    approval_status = serializers.SerializerMethodField()

    class Meta(ExpenseListSerializer.Meta):
        fields = [*ExpenseListSerializer.Meta.fields, "receipts", "approval_status"]

    def get_approval_status(self, expense) -> str | None:
        return approvals.status_of(expense)


class SubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReimburseSerializer(serializers.Serializer):
    reimbursed = serializers.BooleanField(default=True)
    version = serializers.IntegerField(required=False, min_value=1)


class ReceiptUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
