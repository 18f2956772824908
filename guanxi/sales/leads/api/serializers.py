"""Serializers of ``/api/v1/leads``. Thin: the services validate and write."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.api.serializers import QuickRepresentation
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.sales.leads.models import AssignmentRule, Lead, ScoringRule

PHONES = ("mobile", "phone")


class LeadSerializer(QuickRepresentation, serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("留空则按编号规则自动生成。")
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects,
        allow_null=True,
        required=False,
        help_text=_("留空则按分配规则分配（没有适用的规则时进入线索池）。"),
    )
    campaign = RecordId(allow_null=True, required=False, help_text=_("营销活动的编号。"))
    status = serializers.ChoiceField(choices=Lead.Status.choices, required=False)
    version = serializers.IntegerField(required=False)
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id", "code", "company_name", "contact_name", "title", "mobile", "phone", "email",
            "region", "address", "industry", "size", "source", "campaign", "notes", "status",
            "disqualified_reason", "score", "score_breakdown", "activity_count",
            "response_count", "owner", "owner_name", "owner_department", "assignment_reason",
            "converted_customer", "converted_contact", "converted_opportunity", "converted_at",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "score", "score_breakdown", "activity_count", "response_count", "owner_department",
            "assignment_reason", "converted_customer", "converted_contact", "converted_opportunity",
            "converted_at", "created_at", "updated_at",
        ]  # fmt: skip

    def get_owner_name(self, lead) -> str:
        return lead.owner.name if lead.owner_id else ""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        employee = self.context.get("employee")
        for field in PHONES:
            if data.get(field):
                data[field] = policy.mask_phone(employee, data[field])
        return data


class NewCustomerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=40, required=False, allow_blank=True)
    source = serializers.CharField(max_length=40, required=False, allow_blank=True)
    is_person = serializers.BooleanField(required=False)


class NewContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    office_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class NewOpportunitySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    expected_close_date = serializers.DateField(required=False, allow_null=True)


class ConvertSerializer(serializers.Serializer):
    """``customer`` (an existing customer's id) or ``new_customer`` (fields over the
    lead's own); ``contact`` (fields over the lead's person); ``opportunity`` or null."""

    customer = RecordId(required=False, allow_null=True)
    new_customer = NewCustomerSerializer(required=False, allow_null=True)
    contact = NewContactSerializer(required=False, allow_null=True)
    opportunity = NewOpportunitySerializer(required=False, allow_null=True)
    allow_duplicate = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False)


class LeadIdsSerializer(serializers.Serializer):
    leads = serializers.ListField(child=RecordId(), allow_empty=False, max_length=500)


class TransferSerializer(LeadIdsSerializer):
    owner = RecordId(allow_null=True, help_text=_("新负责人；null 表示退回线索池。"))


class AssignResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    skipped = serializers.IntegerField()


class TransferResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField()


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()


class ScoringRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringRule
        fields = ["id", "criterion", "value", "points", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class AssignmentRuleSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects, allow_null=True, required=False
    )
    employee = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects, allow_null=True, required=False
    )

    class Meta:
        model = AssignmentRule
        fields = [
            "id", "name", "position", "is_active", "source", "region", "method", "department",
            "employee", "last_assigned", "assigned_count", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["last_assigned", "assigned_count", "created_at", "updated_at"]
