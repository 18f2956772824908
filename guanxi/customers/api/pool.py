"""``/api/v1/pool``: the public pool (公海). A list and actions, no records of its own
to fetch by id (a pool customer is a customer)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import ModulePermission
from guanxi.customers import pool, selectors
from guanxi.customers.models import Customer, PoolEvent
from guanxi.orgs import policy
from guanxi.orgs.models import Employee

IDS_MAX = pool.MAX_IDS


class PoolCustomerSerializer(serializers.ModelSerializer):
    last_action = serializers.CharField(read_only=True, allow_null=True)
    last_reason = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id", "code", "name", "region", "industry", "level", "phone", "last_followup_at",
            "pool_entered_at", "last_action", "last_reason",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phone"] = policy.mask_phone(self.context.get("employee"), data["phone"])
        return data


class PoolEventSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = PoolEvent
        fields = [
            "id", "customer", "customer_name", "action", "employee", "previous_owner",
            "new_owner", "reason", "created_at",
        ]  # fmt: skip


class IdsSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), max_length=IDS_MAX
    )


class ReleaseSerializer(IdsSerializer):
    reason = serializers.CharField(max_length=pool.REASON_LENGTH)


class AssignSerializer(IdsSerializer):
    owner = serializers.IntegerField(min_value=1, max_value=2**62)
    reason = serializers.CharField(max_length=pool.REASON_LENGTH, required=False, allow_blank=True)


COUNT_RESPONSE = inline_serializer("PoolCount", {"count": serializers.IntegerField()})


class PoolViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customers in the public pool, visible to everyone who may view customers
    (phones masked without "see full phone numbers"). ``q`` searches names,
    pinyin, codes and phones; ``region``, ``industry``, ``level`` filter."""

    module = "customers"
    permission_classes = [IsEmployee, ModulePermission]
    serializer_class = PoolCustomerSerializer
    extra_capabilities = {"claim": "edit", "release": "view", "assign": "view", "events": "view"}

    @property
    def employee(self):
        return self.request._request.employee

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["employee"] = self.employee
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        queryset = pool.pool_queryset(employee=self.employee)
        params = self.request.query_params
        if params.get("q", "").strip():
            queryset = queryset.filter(selectors.text_query(params["q"]))
        for field in ("industry", "level"):
            if params.get(field):
                queryset = queryset.filter(**{field: params[field]})
        if params.get("region"):
            queryset = queryset.filter(region__icontains=params["region"])
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("region", str),
            OpenApiParameter("industry", str),
            OpenApiParameter("level", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=IdsSerializer, responses=COUNT_RESPONSE)
    @action(detail=False, methods=["post"])
    def claim(self, request):
        """Claim pool customers; all or nothing, within your claim limit."""
        body = IdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = pool.pool_claim(actor=self.employee, customer_ids=body.validated_data["ids"])
        return Response({"count": count})

    @extend_schema(request=ReleaseSerializer, responses=COUNT_RESPONSE)
    @action(detail=False, methods=["post"])
    def release(self, request):
        """Give customers back to the pool (your own; any in scope with "manage pool")."""
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = pool.pool_release(
            actor=self.employee,
            customer_ids=body.validated_data["ids"],
            reason=body.validated_data["reason"],
        )
        return Response({"count": count})

    @extend_schema(request=AssignSerializer, responses=COUNT_RESPONSE)
    @action(detail=False, methods=["post"])
    def assign(self, request):
        """A pool manager assigns pool customers to an employee (no claim limit)."""
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = Employee.objects.filter(pk=body.validated_data["owner"]).first()
        count = pool.pool_assign(
            actor=self.employee,
            customer_ids=body.validated_data["ids"],
            to_employee=owner,
            reason=body.validated_data.get("reason", ""),
        )
        return Response({"count": count})

    @extend_schema(
        parameters=[
            OpenApiParameter("action", str, enum=PoolEvent.Action.values),
            OpenApiParameter("customer", int),
        ],
        responses=inline_serializer(
            "PoolEventPage",
            {
                "items": PoolEventSerializer(many=True),
                "count": serializers.IntegerField(),
                "count_is_estimate": serializers.BooleanField(),
                "next": serializers.CharField(allow_null=True),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def events(self, request):
        """The pool log, newest first: releases, automatic returns, claims, assignments."""
        events = pool.pool_events(employee=self.employee)
        params = request.query_params
        if params.get("action") in PoolEvent.Action.values:
            events = events.filter(action=params["action"])
        customer = params.get("customer", "")
        if customer.isdigit() and len(customer) < 19:
            events = events.filter(customer_id=int(customer))
        page = self.paginate_queryset(events)
        return self.get_paginated_response(PoolEventSerializer(page, many=True).data)
