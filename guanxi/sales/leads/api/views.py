"""``/api/v1/leads`` (线索)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales.leads import selectors, services
from guanxi.sales.leads.api.serializers import (
    AssignmentRuleSerializer,
    AssignResultSerializer,
    ConvertSerializer,
    LeadIdsSerializer,
    LeadSerializer,
    ScoringRuleSerializer,
    TransferResultSerializer,
    TransferSerializer,
)
from guanxi.sales.leads.filters import LeadFilter
from guanxi.sales.leads.models import AssignmentRule, ScoringRule


def _id(pk):
    try:
        value = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < value < 2**63:
        raise Http404
    return value


class LeadViewSet(OrgViewSet):
    """Leads the caller sees: their data scope, and the pool (leads without an owner).
    A lead created without ``owner`` is given one by the assignment rules. A converted
    lead is locked (422 ``lead_converted``). ``POST …/{id}/convert`` converts it;
    ``POST …/transfer`` and ``…/assign-by-rules`` change the owner of many. DELETE moves a
    lead to the recycle bin; ``POST …/{id}/restore`` brings it back."""

    module = "leads"
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    ordering_fields = ["id", "score", "created_at"]
    extra_capabilities = {
        "convert": "edit",
        "claim": "edit",
        "transfer": "transfer",
        "assign_by_rules": "transfer",
        "restore": "delete",
    }

    def scoped_queryset(self):
        return selectors.lead_queryset(employee=self.employee)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["employee"] = self.employee
        return context

    def _fresh(self, pk):
        return self.scoped_queryset().get(pk=pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        lead = services.lead_create(actor=self.employee, **data)
        serializer.instance = lead

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        lead = services.lead_update(
            actor=self.employee, lead=serializer.instance, version=version, **data
        )
        serializer.instance = lead

    def perform_destroy(self, instance):
        services.lead_delete(actor=self.employee, lead=instance)

    @extend_schema(request=ConvertSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Convert the lead into a customer (``customer``: an existing one's id, or
        ``new_customer``), a contact and optionally an opportunity, in one transaction. A
        new customer like existing ones answers 422 ``possible_duplicate`` with
        ``duplicates`` [{id, name, code, reason}] (and ``hidden_count``): pick one as
        ``customer``, or send ``allow_duplicate: true``. Field errors of the parts come
        as ``new_customer.<field>``, ``contact.<field>``, ``opportunity.<field>``."""
        lead = self.get_object()
        body = ConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        for part in ("new_customer", "contact", "opportunity"):
            if data.get(part) is not None:
                data[part] = dict(data[part])
        try:
            lead = services.lead_convert(actor=self.employee, lead=lead, **data)
        except services.PossibleDuplicates as exc:
            return Response(
                {
                    "detail": str(exc.message),
                    "code": exc.code,
                    "fields": {},
                    "duplicates": [
                        {
                            "id": c.pk,
                            "name": c.name,
                            "code": c.code,
                            "reason": str(c.duplicate_reason),
                        }
                        for c in exc.matches
                    ],
                    "hidden_count": exc.hidden,
                },
                status=exc.status_code,
            )
        return Response(self.get_serializer(self._fresh(lead.pk)).data)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring a lead back from the recycle bin (404 unless it is there and in scope)."""
        lead = services.lead_restore(actor=self.employee, lead_id=_id(pk))
        return Response(self.get_serializer(self._fresh(lead.pk)).data)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Take a lead from the pool: it becomes the caller's."""
        lead = services.lead_claim(actor=self.employee, lead=self.get_object())
        return Response(self.get_serializer(self._fresh(lead.pk)).data)

    @extend_schema(request=TransferSerializer, responses={200: TransferResultSerializer})
    @action(detail=False, methods=["post"])
    def transfer(self, request):
        """Give leads to ``owner`` (null: back to the pool)."""
        body = TransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner_id = body.validated_data["owner"]
        owner = None
        if owner_id is not None:
            owner = Employee.objects.filter(pk=owner_id).first()
            if owner is None:
                raise ApiValidationError({"owner": [_("负责人必须是本组织的在职员工。")]})
        moved = services.leads_transfer(
            actor=self.employee, lead_ids=body.validated_data["leads"], owner=owner
        )
        return Response({"moved": moved})

    @extend_schema(request=LeadIdsSerializer, responses={200: AssignResultSerializer})
    @action(detail=False, methods=["post"], url_path="assign-by-rules")
    def assign_by_rules(self, request):
        """Apply the assignment rules to the chosen leads without an owner."""
        body = LeadIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.leads_assign_by_rules(
            actor=self.employee, lead_ids=body.validated_data["leads"]
        )
        return Response(result, status=status.HTTP_200_OK)


# ---- the rules (sales setup) ------------------------------------------------------------------


class SetupPermission(BasePermission):
    """``sales_setup`` offers view and edit only: reading takes view, any change edit."""

    def has_permission(self, request, view):
        capability = "view" if request.method in SAFE_METHODS else "edit"
        code = f"{view.module}.{capability}"
        if policy.can(request._request.employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


class ScoringRuleViewSet(OrgViewSet):
    """Lead scoring rules (``sales_setup``: view to read, edit to change). Every change
    queues the recalculation of all lead scores."""

    module = "sales_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = ScoringRuleSerializer
    filterset_fields = ["criterion", "is_active"]
    ordering_fields = ["id", "criterion", "points"]

    def scoped_queryset(self):
        return ScoringRule.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.scoring_rule_create(
            actor=self.employee, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.scoring_rule_update(
            actor=self.employee, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.scoring_rule_delete(actor=self.employee, rule=instance)


class AssignmentRuleViewSet(OrgViewSet):
    """Lead assignment rules, tried in ``position`` order (``sales_setup``)."""

    module = "sales_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = AssignmentRuleSerializer
    filterset_fields = ["method", "is_active"]
    ordering_fields = ["id", "position"]

    def scoped_queryset(self):
        return AssignmentRule.objects.select_related("department", "employee")

    def perform_create(self, serializer):
        serializer.instance = services.assignment_rule_create(
            actor=self.employee, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.assignment_rule_update(
            actor=self.employee, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.assignment_rule_delete(actor=self.employee, rule=instance)
