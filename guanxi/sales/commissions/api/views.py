"""``/api/v1/commission-rules`` and ``/api/v1/commission-statements`` (佣金).

Rules are sales setup: reading takes ``sales_setup.view``, any change ``sales_setup.edit``.
Statements are owned records of module ``commissions`` (data scope by the employee they
are for): ``POST .../generate`` {period, employee?} computes one employee's statement
(synchronously) or queues a job for everyone in the caller's scope; ``POST .../{id}/
recompute``, ``.../submit`` and ``.../adjustments`` act on drafts; an approved statement is
locked (422 ``statement_locked``). PATCH changes a draft's notes, DELETE removes a draft.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.orgs import policy
from guanxi.sales.commissions import jobs, selectors, services
from guanxi.sales.commissions.api.serializers import (
    AdjustmentSerializer,
    CommissionLineSerializer,
    CommissionRuleSerializer,
    CommissionStatementDetailSerializer,
    CommissionStatementSerializer,
    GenerateResultSerializer,
    GenerateSerializer,
    SubmitSerializer,
    VersionSerializer,
)
from guanxi.sales.commissions.filters import RuleFilter, StatementFilter
from guanxi.sales.commissions.models import CommissionLine


class SetupPermission(BasePermission):
    """``sales_setup`` offers view and edit only: reading takes view, any change edit."""

    def has_permission(self, request, view):
        capability = "view" if request.method in SAFE_METHODS else "edit"
        code = f"{view.module}.{capability}"
        if policy.can(request._request.employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


class _Money:
    def get_serializer_context(self):
        context = super().get_serializer_context()  # type: ignore[misc]
        if not getattr(self, "swagger_fake_view", False):
            if not hasattr(self, "_places"):
                self._places = services.money_settings(self.employee.org_id)  # type: ignore[attr-defined]
            context["places"] = self._places[0]
        return context


def _rule_fields(data):
    data = dict(data)
    data.pop("version", None)
    if "tiers" in data:
        data["tiers"] = [dict(tier) for tier in data["tiers"]]
    return data


class CommissionRuleViewSet(OrgViewSet):
    """Commission rules (佣金规则): basis, who they apply to, product line, validity and
    progressive tiers. ``?active= ?basis=`` filter the list."""

    module = "sales_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = CommissionRuleSerializer
    filterset_class = RuleFilter
    ordering_fields = ["id", "name", "valid_from"]

    def scoped_queryset(self):
        return selectors.rule_queryset().order_by("-active", "name", "pk")

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        rule = services.rule_create(actor=self.employee, **_rule_fields(serializer.validated_data))
        serializer.instance = self._fresh(rule.pk)

    def perform_update(self, serializer):
        version = serializer.validated_data.get("version")
        rule = services.rule_update(
            actor=self.employee,
            rule=serializer.instance,
            version=version,
            **_rule_fields(serializer.validated_data),
        )
        serializer.instance = self._fresh(rule.pk)

    def perform_destroy(self, instance):
        services.rule_delete(actor=self.employee, rule=instance)


class CommissionStatementViewSet(_Money, OrgViewSet):
    """Commission statements (佣金结算单), one per employee per period. ``?period=
    ?owner= ?status=`` filter the list."""

    module = "commissions"
    serializer_class = CommissionStatementSerializer
    filterset_class = StatementFilter
    ordering_fields = ["id", "period", "total"]
    extra_capabilities = {
        "generate": "create",
        "recompute": "edit",
        "submit": "edit",
        "adjustments": "edit",
        "remove_adjustment": "edit",
    }

    def get_serializer_class(self):
        if self.action == "list":
            return CommissionStatementSerializer
        return CommissionStatementDetailSerializer

    def scoped_queryset(self):
        qs = selectors.statement_queryset(employee=self.employee)
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("lines", queryset=CommissionLine.objects.order_by("position", "pk"))
            )
        return qs.order_by("-period", "owner__name", "pk")

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        """Statements are generated (``POST .../generate``), not created directly."""
        return Response(
            {"detail": _("请使用 POST /api/v1/commission-statements/generate 生成结算单。")},
            status=status.HTTP_405_METHOD_NOT_ALLOWED,
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        statement = services.statement_update(
            actor=self.employee,
            statement=serializer.instance,
            version=data.get("version"),
            notes=data.get("notes"),
        )
        serializer.instance = self._fresh(statement.pk)

    def perform_destroy(self, instance):
        services.statement_delete(actor=self.employee, statement=instance)

    @extend_schema(request=GenerateSerializer, responses={200: GenerateResultSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Compute ``period``'s statement of ``employee`` now (``statement`` in the answer),
        or, without ``employee``, queue a job for every employee in your data scope
        (``job`` in the answer, 202; follow it under ``/jobs/<id>/``)."""
        body = self._body(GenerateSerializer)
        if body.get("employee"):
            statement = services.statement_generate(
                actor=self.employee, period=body["period"], employee=body["employee"]
            )
            data = CommissionStatementDetailSerializer(
                self._fresh(statement.pk), context=self.get_serializer_context()
            ).data
            return Response({"statement": data})
        job = jobs.generate_start(actor=self.employee, period=body["period"])
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=VersionSerializer, responses={200: CommissionStatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """Compute a draft again from the current orders, collections and rules."""
        body = self._body(VersionSerializer)
        statement = services.statement_recompute(
            actor=self.employee, statement=self.get_object(), version=body.get("version")
        )
        return Response(self.get_serializer(self._fresh(statement.pk)).data)

    @extend_schema(request=SubmitSerializer, responses={200: CommissionStatementDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft for approval; approved statements are locked."""
        body = self._body(SubmitSerializer)
        statement = self.get_object()
        services.statement_submit(
            actor=self.employee, statement=statement, comment=body.get("comment", "")
        )
        return Response(self.get_serializer(self._fresh(statement.pk)).data)

    @extend_schema(request=AdjustmentSerializer, responses={201: CommissionLineSerializer})
    @action(detail=True, methods=["post"])
    def adjustments(self, request, pk=None):
        """Add a manual adjustment line (amount, may be negative, and a reason) to a draft."""
        body = self._body(AdjustmentSerializer)
        line = services.adjustment_add(
            actor=self.employee,
            statement=self.get_object(),
            amount=body["amount"],
            reason=body["reason"],
            version=body.get("version"),
        )
        return Response(
            CommissionLineSerializer(line, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"adjustments/(?P<line_id>\d+)")
    def remove_adjustment(self, request, pk=None, line_id=None):
        """Remove a manual adjustment line of a draft."""
        services.adjustment_delete(
            actor=self.employee, statement=self.get_object(), line_id=line_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
