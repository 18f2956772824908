"""Serializers of ``/api/v1/opportunities`` and ``/api/v1/pipelines``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.customers.models import Contact, Customer
from guanxi.orgs.models import Employee
from guanxi.sales.opportunities.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Opportunity,
    Pipeline,
    Stage,
    StageChange,
)
from guanxi.sales.serializers import LineSerializer, LinesField


class CompetitorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OpportunitySerializer(serializers.ModelSerializer):
    """An opportunity. ``status`` (open/won/lost) follows the stage: change it by moving
    the stage (``PATCH`` with ``stage`` + ``version``, or ``POST …/move``) or with
    ``…/win`` and ``…/lose``. With ``lines``, ``amount`` is their total (价税合计)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects, allow_null=True, required=False
    )
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects, required=False)
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects,
        required=False,
        help_text=_("阶段 id；修改时即移动阶段（需同时提供 version；输单阶段需 lost_reason）。"),
    )
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, help_text=_("赢率（%），默认取阶段的赢率。")
    )
    amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS + 4, decimal_places=MONEY_PLACES + 4, required=False,
        coerce_to_string=True,
    )  # fmt: skip
    weighted_amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, read_only=True
    )
    competitors = CompetitorSerializer(many=True, required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects, required=False, help_text=_("默认为创建人。")
    )
    lines = LinesField(required=False, write_only=True)
    lost_reason = serializers.CharField(
        max_length=40, required=False, allow_blank=True,
        help_text=_("随 stage 移到输单阶段时必填（数据字典“输单原因”的代码）。"),
    )  # fmt: skip
    lost_note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, help_text=_("修改时：您读到的版本号（已被他人修改则 409）。")
    )

    class Meta:
        model = Opportunity
        fields = [
            "id", "code", "name", "customer", "customer_name", "contact", "pipeline", "stage",
            "stage_name", "probability", "amount", "weighted_amount", "currency",
            "expected_close_date", "status", "lost_reason", "lost_note", "closed_on",
            "competitors", "next_step", "source", "description", "owner", "owner_department",
            "lines", "stage_entered_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "currency", "status", "closed_on", "owner_department", "stage_entered_at",
            "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["lines"] = LineSerializer(instance.lines.all(), many=True).data
        data["competitors"] = instance.competitors
        data["amount"] = f"{instance.amount:.{MONEY_PLACES}f}"
        return data


class MoveSerializer(serializers.Serializer):
    stage = RecordId(help_text=_("目标阶段 id（同一销售流程）。"))
    version = serializers.IntegerField(required=False)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)
    lost_reason = serializers.CharField(max_length=40, required=False, allow_blank=True)
    lost_note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class LoseSerializer(serializers.Serializer):
    lost_reason = serializers.CharField(max_length=40, help_text=_("数据字典“输单原因”的代码。"))
    lost_note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)


class ReopenSerializer(serializers.Serializer):
    stage = RecordId(required=False, help_text=_("重新打开到的进行中阶段，默认为关闭前的阶段。"))
    version = serializers.IntegerField(required=False)


class StageChangeSerializer(serializers.ModelSerializer):
    from_stage_name = serializers.CharField(source="from_stage.name", read_only=True, default="")
    to_stage_name = serializers.CharField(source="to_stage.name", read_only=True)
    actor_name = serializers.CharField(source="actor.name", read_only=True, default="")

    class Meta:
        model = StageChange
        fields = [
            "id", "from_stage", "from_stage_name", "to_stage", "to_stage_name", "from_status",
            "to_status", "probability", "amount", "actor", "actor_name", "changed_at",
            "days_in_previous",
        ]  # fmt: skip


class StageSerializer(serializers.ModelSerializer):
    id = RecordId(required=False, help_text=_("已有阶段的 id；新阶段不填。"))
    probability = serializers.IntegerField(min_value=0, max_value=100)
    kind = serializers.ChoiceField(choices=Stage.Kind.choices, required=False, default="open")
    is_active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = Stage
        fields = ["id", "name", "position", "probability", "kind", "is_active"]
        read_only_fields = ["position"]
        extra_kwargs = {"name": {"validators": []}}


class PipelineSerializer(serializers.ModelSerializer):
    """A pipeline and its stages in order. Writing ``stages`` sends the whole list:
    items with ``id`` are kept (renamed, re-rated, reordered), items without are added,
    stages left out are deleted (refused, 422, while opportunities use them)."""

    stages = StageSerializer(many=True, required=False)
    is_default = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "is_active", "sort_order", "stages", "created_at"]
        read_only_fields = ["sort_order", "created_at"]
        extra_kwargs = {"name": {"validators": []}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["stages"] = StageSerializer(
            sorted(instance.stages.all(), key=lambda s: (s.position, s.pk)), many=True
        ).data
        return data
