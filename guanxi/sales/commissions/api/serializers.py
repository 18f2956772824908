"""Serializers of ``/api/v1/commission-rules`` and ``/api/v1/commission-statements``.

Amounts travel as decimal strings shown to the org's contract decimal places (``places``
in the context); input is checked and rounded by the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.commissions.models import (
    CommissionLine,
    CommissionRule,
    CommissionStatement,
    CommissionTier,
)
from guanxi.sales.receivables.api.serializers import MoneyField


class TierSerializer(serializers.ModelSerializer):
    from_amount = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=True)
    rate = serializers.DecimalField(max_digits=9, decimal_places=4, coerce_to_string=True)

    class Meta:
        model = CommissionTier
        fields = ["from_amount", "rate"]


class CommissionRuleSerializer(serializers.ModelSerializer):
    role = RecordId(
        write_only=True,
        required=False,
        allow_null=True,
        help_text=_("适用角色 id（适用对象为角色时）。"),
    )
    employees = serializers.ListField(
        child=RecordId(),
        write_only=True,
        required=False,
        help_text=_("适用员工 id（适用对象为指定员工时）。"),
    )
    product_line = RecordId(
        write_only=True, required=False, allow_null=True, help_text=_("产品线 id，空 = 全部。")
    )
    tiers = TierSerializer(many=True, help_text=_("阶梯：起点金额升序，第一档从 0 开始。"))
    product_line_name = serializers.CharField(
        source="product_line.name", read_only=True, default=None
    )
    role_name = serializers.CharField(source="role.name", read_only=True, default=None)
    version = serializers.IntegerField(
        required=False, help_text=_("修改时：您读到的版本号（已被他人修改则 409）。")
    )

    class Meta:
        model = CommissionRule
        fields = [
            "id", "name", "active", "basis", "applies_to", "role", "role_name", "employees",
            "product_line", "product_line_name", "valid_from", "valid_to", "notes", "tiers",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["role"] = instance.role_id
        data["product_line"] = instance.product_line_id
        data["employees"] = sorted(employee.pk for employee in instance.employees.all())
        return data


class CommissionLineSerializer(serializers.ModelSerializer):
    base_amount = MoneyField(read_only=True)
    commission = MoneyField(read_only=True)

    class Meta:
        model = CommissionLine
        fields = [
            "id", "kind", "rule", "rule_name", "product_line", "product_line_name",
            "source_id", "source_code", "receivable_code", "customer_name", "source_date",
            "base_amount", "rate", "commission", "reason",
        ]  # fmt: skip
        read_only_fields = fields


class CommissionStatementSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    base_total = MoneyField(read_only=True)
    commission_total = MoneyField(read_only=True)
    adjustment_total = MoneyField(read_only=True)
    total = MoneyField(read_only=True)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, help_text=_("修改时：您读到的版本号（已被他人修改则 409）。")
    )

    class Meta:
        model = CommissionStatement
        fields = [
            "id", "owner", "owner_name", "owner_department", "period", "period_start",
            "period_end", "status", "currency", "base_total", "commission_total",
            "adjustment_total", "total", "notes", "computed_at", "approved_at", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "owner", "owner_department", "period", "period_start", "period_end", "status",
            "currency", "computed_at", "approved_at", "created_at", "updated_at",
        ]  # fmt: skip


class CommissionStatementDetailSerializer(CommissionStatementSerializer):
    lines = CommissionLineSerializer(many=True, read_only=True)

    class Meta(CommissionStatementSerializer.Meta):
        fields = [*CommissionStatementSerializer.Meta.fields, "lines"]


class GenerateSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=10, help_text=_("2026-05（月）或 2026-Q2（季度）。"))
    employee = RecordId(
        required=False,
        allow_null=True,
        help_text=_("员工 id；不填 = 数据范围内的全部员工（后台任务）。"),
    )


class GenerateResultSerializer(serializers.Serializer):
    job = serializers.IntegerField(required=False)
    statement = CommissionStatementDetailSerializer(required=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class SubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class AdjustmentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=20, decimal_places=6, help_text=_("调整金额，可为负数（扣减）。")
    )
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(required=False)

    def validate_amount(self, value):
        return value
