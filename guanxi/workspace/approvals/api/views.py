"""``/api/v1/approval-flows``, ``/api/v1/approvals`` and ``/api/v1/requisitions``."""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.workspace.approvals import conditions, registry, requisitions, selectors, services
from guanxi.workspace.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    Requisition,
)

# ---- flows ---------------------------------------------------------------------------------


class ConditionSerializer(serializers.Serializer):
    variable = serializers.CharField(max_length=40)
    op = serializers.ChoiceField(choices=list(conditions.OPS))
    value = serializers.JSONField(help_text="a number or text, or a list of them for `in`")


class StepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=ApprovalStep.Kind.choices)
    mode = serializers.ChoiceField(choices=ApprovalStep.Mode.choices, required=False)
    employees = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=services.MAX_STEP_EMPLOYEES,
        help_text="kind employees: the approvers' ids",
    )
    manager_levels = serializers.IntegerField(
        min_value=1, max_value=services.MAX_MANAGER_LEVELS, required=False,
        help_text="kind manager: 1 = the direct manager",
    )  # fmt: skip
    role = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True,
        help_text="kind role: a role id",
    )  # fmt: skip

    def to_representation(self, step):
        """A stored step (its employees prefetched with the flow)."""
        return {
            "name": step.name,
            "kind": step.kind,
            "mode": step.mode,
            "employees": [employee.pk for employee in step.employees.all()],
            "manager_levels": step.manager_levels,
            "role": step.role_id,
        }


class ApprovalFlowSerializer(serializers.ModelSerializer):
    document = serializers.ChoiceField(choices=())
    conditions = ConditionSerializer(many=True, required=False)
    steps = StepSerializer(many=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="PATCH: the version you loaded (stale: 409)"
    )

    class Meta:
        model = ApprovalFlow
        fields = [
            "id", "document", "name", "description", "conditions", "priority", "is_active",
            "steps", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"priority": {"min_value": 0, "max_value": 9999}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [code for code, _label in registry.choices()]


class ApprovalFlowViewSet(OrgViewSet):
    """Approval flows (审批流程) per document type: ``conditions`` (clauses ``variable op
    value`` that must all hold; ops ``> >= < <= = != in``), ``priority`` (the first active
    flow that matches applies), and ordered ``steps`` (``kind`` employees / manager / role,
    ``mode`` any / all). Changing a flow needs the ``version`` you loaded; requests already
    running keep the flow they started with."""

    module = "approval_flows"
    serializer_class = ApprovalFlowSerializer
    ordering_fields = ["id", "priority"]

    def scoped_queryset(self):
        return selectors.flow_queryset(employee=self.employee)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.flow_create(
            actor=self.employee,
            document=data["document"],
            name=data["name"],
            description=data.get("description", ""),
            conditions=[dict(clause) for clause in data.get("conditions", [])],
            priority=data.get("priority", 100),
            is_active=data.get("is_active", True),
            steps=[dict(step) for step in data["steps"]],
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        if "document" in data and data["document"] != serializer.instance.document:
            raise ValidationError({"document": [_("该字段不能修改。")]})
        serializer.instance = services.flow_update(
            actor=self.employee,
            flow=serializer.instance,
            version=data.get("version"),
            name=data.get("name"),
            description=data.get("description"),
            conditions=[dict(c) for c in data["conditions"]] if "conditions" in data else None,
            priority=data.get("priority"),
            is_active=data.get("is_active"),
            steps=[dict(step) for step in data["steps"]] if "steps" in data else None,
        )

    def perform_destroy(self, instance):
        services.flow_delete(actor=self.employee, flow=instance)


# ---- requests ------------------------------------------------------------------------------


class ApprovalTaskSerializer(serializers.ModelSerializer):
    approver_name = serializers.CharField(source="approver.name", read_only=True)

    class Meta:
        model = ApprovalTask
        fields = [
            "id", "step", "approver", "approver_name", "rerouted_from", "state", "comment",
            "decided_at",
        ]  # fmt: skip
        read_only_fields = fields


class ApprovalRequestSerializer(serializers.ModelSerializer):
    submitter_name = serializers.CharField(source="submitter.name", read_only=True)
    step_name = serializers.SerializerMethodField()
    tasks = ApprovalTaskSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id", "document", "record_id", "title", "link", "status", "flow", "flow_name",
            "round", "current_step", "step_name", "values", "submitter", "submitter_name",
            "owner", "department", "submitted_at", "decided_at", "tasks",
        ]  # fmt: skip
        read_only_fields = fields

    def get_step_name(self, request) -> str:
        return request.step_name() if request.is_pending else ""


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=services.COMMENT_LENGTH, required=False, allow_blank=True,
        help_text="required to reject",
    )  # fmt: skip


class ApprovalRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalRequest.Status.choices)
    document = django_filters.CharFilter(max_length=40)
    waiting = django_filters.ChoiceFilter(
        choices=[("me", "me")],
        method="filter_waiting",
        label=gettext_lazy("待我审批"),
    )

    class Meta:
        model = ApprovalRequest
        fields: list[str] = []

    def filter_waiting(self, queryset, name, value):
        employee = self.request._request.employee
        return queryset.filter(pk__in=selectors.waiting_queryset(employee=employee).values("pk"))


class ApprovalRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Approval requests the caller may see: those they submitted or whose record they own,
    those they approve (``?waiting=me``: waiting for their decision now), every one of the
    org for an administrator. ``POST …/{id}/approve`` / ``reject`` (``comment`` required) /
    ``withdraw`` (the submitter, while pending); a refused decision is a 422 naming why."""

    permission_classes = [IsEmployee]
    serializer_class = ApprovalRequestSerializer
    filterset_class = ApprovalRequestFilter
    ordering_fields = ["id", "submitted_at"]

    @property
    def employee(self):
        return self.request._request.employee

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        return selectors.request_queryset(employee=self.employee).prefetch_related(
            "tasks__approver"
        )

    def _decide(self, request, verb):
        approval = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = body.validated_data.get("comment", "")
        if verb == "approve":
            services.approve(actor=self.employee, request=approval, comment=comment)
        elif verb == "reject":
            services.reject(actor=self.employee, request=approval, comment=comment)
        else:
            services.withdraw(actor=self.employee, request=approval, comment=comment)
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data)

    @extend_schema(request=DecisionSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve your part of the current step."""
        return self._decide(request, "approve")

    @extend_schema(request=DecisionSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject the request (a comment is required)."""
        return self._decide(request, "reject")

    @extend_schema(request=DecisionSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take your own pending request back."""
        return self._decide(request, "withdraw")


# ---- requisitions --------------------------------------------------------------------------


class RequisitionSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(
        choices=Requisition.Category.choices, required=False, default=Requisition.Category.OTHER
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    content = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    submitter_name = serializers.CharField(source="submitter.name", read_only=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="PATCH: the version you loaded (stale: 409)"
    )

    class Meta:
        model = Requisition
        fields = [
            "id", "title", "category", "amount", "content", "status", "submitter",
            "submitter_name", "department", "submitted_at", "decided_at", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "submitter", "department", "submitted_at", "decided_at", "created_at",
            "updated_at",
        ]  # fmt: skip


class RequisitionSubmittedSerializer(RequisitionSerializer):
    approval = ApprovalRequestSerializer(
        read_only=True, allow_null=True, help_text="null: no flow applies, approved at once"
    )

    class Meta(RequisitionSerializer.Meta):
        fields = [*RequisitionSerializer.Meta.fields, "approval"]


class RequisitionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Requisition.Status.choices)
    category = django_filters.ChoiceFilter(choices=Requisition.Category.choices)

    class Meta:
        model = Requisition
        fields: list[str] = []


class RequisitionViewSet(OrgViewSet):
    """General requisitions (通用申请): yours, those you approve, all for an administrator.
    Permissions (module ``requisitions``): ``view`` to list and read, ``create`` to file
    (POST) and submit, ``edit`` to PATCH your own, ``delete`` to DELETE your own; 403 with
    the reason otherwise. PATCH and DELETE only while a draft, rejected or withdrawn
    (pending: 422 "审批中，不能修改"); ``POST …/{id}/submit`` sends one for approval: the
    answer's ``approval`` is the request, or null when no flow applies and it was approved
    at once."""

    module = requisitions.MODULE
    extra_capabilities = {"submit": "create"}
    serializer_class = RequisitionSerializer
    filterset_class = RequisitionFilter
    ordering_fields = ["id", "created_at"]
    search_fields = ["title"]

    def scoped_queryset(self):
        return requisitions.requisition_queryset(employee=self.employee)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = requisitions.requisition_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = requisitions.requisition_update(
            actor=self.employee, requisition=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        requisitions.requisition_delete(actor=self.employee, requisition=instance)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: RequisitionSubmittedSerializer},
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the requisition for approval (its submitter)."""
        record = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approval = requisitions.requisition_submit(
            actor=self.employee, requisition=record, comment=body.validated_data.get("comment", "")
        )
        record = self.get_queryset().get(pk=record.pk)
        data = dict(self.get_serializer(record).data)
        data["approval"] = ApprovalRequestSerializer(approval).data if approval else None
        return Response(data, status=status.HTTP_200_OK)
