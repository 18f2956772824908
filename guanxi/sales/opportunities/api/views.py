"""``/api/v1/opportunities`` (商机) and ``/api/v1/pipelines`` (销售流程)."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.orgs import policy
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.api.serializers import (
    LoseSerializer,
    MoveSerializer,
    OpportunitySerializer,
    PipelineSerializer,
    ReopenSerializer,
    StageChangeSerializer,
    VersionSerializer,
)
from guanxi.sales.opportunities.filters import OpportunityFilter
from guanxi.sales.opportunities.models import OpportunityLine, Pipeline, Stage


def _stage(pk, field="stage"):
    stage = Stage.objects.filter(pk=pk).first()  # the org scope is open
    if stage is None:
        raise ApiValidationError({field: [_("阶段不存在。")]})
    return stage


class OpportunityViewSet(OrgViewSet):
    """Opportunities in the caller's data scope. Filters: ``q`` (name, code, customer),
    ``pipeline``, ``stage``, ``status`` (repeatable), ``owner``, ``customer``,
    ``close_from``/``close_to``, ``amount_min``/``amount_max``; ``ordering`` by ``id``,
    ``amount``, ``expected_close_date``, ``probability``, ``name``. DELETE moves to the
    recycle bin; ``POST …/{id}/restore`` brings it back."""

    module = "opportunities"
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    ordering_fields = ["id", "amount", "expected_close_date", "probability", "name"]
    extra_capabilities = {
        "move": "edit",
        "win": "edit",
        "lose": "edit",
        "reopen": "edit",
        "history": "view",
        "restore": "delete",
    }

    def scoped_queryset(self):
        deleted = self.action == "restore"
        return selectors.opportunity_queryset(
            employee=self.employee, deleted=deleted
        ).prefetch_related(
            Prefetch(
                "lines",
                queryset=OpportunityLine.objects.select_related("product").order_by("position"),
            )
        )

    def _fresh(self, pk):
        return self.scoped_queryset().get(pk=pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        for key in ("lost_reason", "lost_note"):
            if data.pop(key, ""):
                raise ApiValidationError({key: [_("新商机不能直接输单。")]})
        if "competitors" in data:
            data["competitors"] = [dict(item) for item in data["competitors"]]
        opportunity = services.opportunity_create(actor=self.employee, **data)
        serializer.instance = self._fresh(opportunity.pk)

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        stage = data.pop("stage", None)
        pipeline = data.pop("pipeline", None)
        move = {key: data.pop(key) for key in ("lost_reason", "lost_note") if key in data}
        instance = serializer.instance
        if pipeline is not None and pipeline.pk != instance.pipeline_id:
            raise ApiValidationError({"pipeline": [_("商机的销售流程不能更改。")]})
        if "competitors" in data:
            data["competitors"] = [dict(item) for item in data["competitors"]]
        moving = stage is not None and stage.pk != instance.stage_id
        probability = data.pop("probability", None) if moving else None
        opportunity = instance
        if data:
            opportunity = services.opportunity_update(
                actor=self.employee, opportunity=instance, version=version, **data
            )
            version = None  # checked, and the row is locked for this transaction
        if moving:
            opportunity = services.opportunity_move(
                actor=self.employee, opportunity=opportunity, stage=stage, version=version,
                probability=probability, **move,
            )  # fmt: skip
        serializer.instance = self._fresh(opportunity.pk)

    def perform_destroy(self, instance):
        services.opportunity_delete(actor=self.employee, opportunity=instance)

    @extend_schema(request=MoveSerializer, responses={200: OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move to another stage of its pipeline (the kanban's drop): ``{stage, version}``;
        the won stage wins it, the lost stage loses it (``lost_reason`` required), an open
        stage reopens a closed one. Stale ``version`` → 409."""
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        opportunity = services.opportunity_move(
            actor=self.employee,
            opportunity=self.get_object(),
            stage=_stage(data.pop("stage")),
            **data,
        )
        return Response(self.get_serializer(self._fresh(opportunity.pk)).data)

    @extend_schema(request=VersionSerializer, responses={200: OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        """Mark won (moves to the pipeline's won stage, probability 100)."""
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_win(
            actor=self.employee, opportunity=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(self._fresh(opportunity.pk)).data)

    @extend_schema(request=LoseSerializer, responses={200: OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        """Mark lost with a reason (moves to the pipeline's lost stage, probability 0)."""
        body = LoseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_lose(
            actor=self.employee, opportunity=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(self._fresh(opportunity.pk)).data)

    @extend_schema(request=ReopenSerializer, responses={200: OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen a won or lost opportunity (into ``stage``, default the stage it was in
        before it closed)."""
        body = ReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        stage = _stage(data.pop("stage")) if "stage" in data else None
        opportunity = services.opportunity_reopen(
            actor=self.employee, opportunity=self.get_object(), stage=stage, **data
        )
        return Response(self.get_serializer(self._fresh(opportunity.pk)).data)

    @extend_schema(responses={200: StageChangeSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Stage history, oldest first: from/to stage and status, who, when, and the days
        spent in the stage it left (for cycle-time analysis)."""
        opportunity = self.get_object()
        return Response(StageChangeSerializer(selectors.stage_history(opportunity), many=True).data)

    @extend_schema(request=None, responses={200: OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring an opportunity back from the recycle bin."""
        opportunity = services.opportunity_restore(
            actor=self.employee, opportunity=self.get_object()
        )
        return Response(self.get_serializer(self._fresh(opportunity.pk)).data)


class PipelinePermission(BasePermission):
    """Reading pipelines: anyone who sees opportunities or the sales setup; writing:
    ``sales_setup.edit``."""

    def has_permission(self, request, view):
        employee = request._request.employee
        if view.action in ("list", "retrieve"):
            allowed = policy.can(employee, "opportunities.view") or policy.can(
                employee, "sales_setup.view"
            )
            code = "opportunities.view"
        else:
            allowed = policy.can(employee, "sales_setup.edit")
            code = "sales_setup.edit"
        if not allowed:
            self.message = _("您没有执行此操作的权限：%(perm)s") % {
                "perm": policy.perms.label(code)
            }
        return allowed


class PipelineViewSet(OrgViewSet):
    """Pipelines (销售流程) and their stages. The org's default pipeline is made with the
    standard stages the first time it is needed. DELETE is refused (422) for the
    default pipeline and for one with opportunities: deactivate it instead."""

    module = "sales_setup"
    serializer_class = PipelineSerializer
    pagination_class = None
    filter_backends: list = []

    def get_permissions(self):
        from guanxi.api.permissions import IsEmployee

        return [IsEmployee(), PipelinePermission()]

    def list(self, request, *args, **kwargs):
        """Every pipeline, default first (``{"items", "count", "next"}``)."""
        items = self.get_serializer(self.get_queryset(), many=True).data
        return Response({"items": items, "count": len(items), "next": None})

    def scoped_queryset(self):
        services.ensure_default_pipeline(self.employee.org_id)
        return Pipeline.objects.prefetch_related("stages").order_by(
            "-is_default", "sort_order", "id"
        )

    def _stages(self, data):
        if "stages" not in data:
            return None
        return [dict(item) for item in data.pop("stages")]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        stages = self._stages(data) or []
        data.pop("is_active", None)
        pipeline = services.pipeline_create(
            actor=self.employee, name=data.get("name", ""), stages=stages,
            is_default=data.get("is_default", False),
        )  # fmt: skip
        serializer.instance = self.get_queryset().get(pk=pipeline.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        stages = self._stages(data)
        pipeline = services.pipeline_update(
            actor=self.employee, pipeline=serializer.instance, stages=stages, **data
        )
        serializer.instance = self.get_queryset().get(pk=pipeline.pk)

    def perform_destroy(self, instance):
        services.pipeline_delete(actor=self.employee, pipeline=instance)
