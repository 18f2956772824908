"""``/api/v1/care-rules``: care plans (关怀计划) that the daily run turns into care tasks."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.customers import care
from guanxi.customers.models import CareRule, Customer
from guanxi.orgs import policy

READ_ACTIONS = frozenset({"list", "retrieve"})


class CareRulePermission(BasePermission):
    """Reading needs ``customers.view``; every write ``special.manage_care``."""

    def has_permission(self, request, view):
        employee = request._request.employee
        code = "customers.view" if view.action in READ_ACTIONS else care.MANAGE_CARE
        if policy.can(employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


class CareRuleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=CareRule.Kind.choices, required=False)
    interval_days = serializers.IntegerField(
        min_value=1, max_value=care.INTERVAL_MAX, allow_null=True, required=False
    )
    lead_days = serializers.IntegerField(min_value=0, max_value=care.LEAD_MAX, required=False)
    levels = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=care.SELECTION_MAX, required=False
    )
    value_tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=Customer.ValueTier.choices), required=False
    )
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=Customer.Lifecycle.choices), required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=20, required=False
    )
    version = serializers.IntegerField(required=False)

    class Meta:
        model = CareRule
        fields = [
            "id", "name", "kind", "task_title", "interval_days", "starts_on", "holiday_on",
            "yearly", "lead_days", "levels", "value_tiers", "stages", "tags", "is_active",
            "last_run_on", "last_created", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["last_run_on", "last_created", "created_at", "updated_at"]


class CareRuleViewSet(OrgViewSet):
    """Care plans of the org. Everyone who sees customers may read them; creating,
    changing, stopping (``is_active`` false, or DELETE: the plan and its tasks stay)
    and running them needs the special permission "管理关怀计划". A plan is
    ``interval`` (every ``interval_days`` days from ``starts_on``) or ``holiday``
    (on ``holiday_on``, every year if ``yearly``), for the customers matching
    ``levels``, ``value_tiers``, ``stages`` and ``tags`` (each: any of; empty: all).
    ``active=1``/``0`` filters."""

    module = "customers"
    serializer_class = CareRuleSerializer
    permission_classes = [IsEmployee, CareRulePermission]
    ordering_fields = ["id", "name"]

    def scoped_queryset(self):
        rules = care.care_rule_queryset(employee=self.employee).order_by("id")
        active = self.request.query_params.get("active")
        if active in ("0", "1"):
            rules = rules.filter(is_active=active == "1")
        return rules

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        active = data.pop("is_active", True)
        rule = care.care_rule_create(actor=self.employee, **data)
        if not active:
            rule = care.care_rule_update(actor=self.employee, rule=rule, is_active=False)
        serializer.instance = rule

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = care.care_rule_update(
            actor=self.employee,
            rule=serializer.instance,
            version=data.pop("version", None),
            is_active=data.pop("is_active", None),
            **data,
        )

    def destroy(self, request, *args, **kwargs):
        """Stops the plan (it is kept, with the tasks it made)."""
        care.care_rule_set_active(actor=self.employee, rule=self.get_object(), active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("CareRulesRun", {"created": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"])
    def run(self, request):
        """Run today's care plans now (the daily run does the same); idempotent."""
        return Response({"created": care.care_rules_run_now(actor=self.employee)})
