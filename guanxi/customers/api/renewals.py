"""``/api/v1/renewals``: renewals and repeat purchases (续约与复购)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.pagination import CursorPagination
from guanxi.api.viewsets import OrgViewSet
from guanxi.customers import renewals
from guanxi.customers.models import Customer, RenewalItem

FILTER_PARAMETERS = [
    OpenApiParameter(
        "period",
        str,
        enum=list(renewals.PERIOD_CODES),
        description="month, 30, 60, 90 (days ahead), overdue, custom (with start and end); "
        "default 30",
    ),
    OpenApiParameter("start", str, description="custom period: first day (YYYY-MM-DD)"),
    OpenApiParameter("end", str, description="custom period: last day (YYYY-MM-DD)"),
    OpenApiParameter("status", str, enum=RenewalItem.Status.values),
    OpenApiParameter("kind", str, enum=RenewalItem.Kind.values),
    OpenApiParameter("owner", str, description="an employee id, or me"),
    OpenApiParameter("customer", int),
]


class RenewalPagination(CursorPagination):
    ordering = ("due_on", "id")


class RenewalItemSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    kind = serializers.ChoiceField(choices=RenewalItem.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=RenewalItem.Status.choices, required=False)
    title = serializers.CharField(
        max_length=renewals.TITLE_LENGTH, required=False, allow_blank=True
    )
    note = serializers.CharField(max_length=renewals.NOTE_LENGTH, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="PATCH: the version you loaded (stale: 409)"
    )

    class Meta:
        model = RenewalItem
        fields = [
            "id", "customer", "customer_name", "kind", "due_on", "title", "status", "note",
            "source", "source_type", "source_id", "owner", "owner_name", "department",
            "closed_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "source", "source_type", "source_id", "owner", "department", "closed_at",
            "created_at", "updated_at",
        ]  # fmt: skip


class RenewalUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=RenewalItem.Status.choices, required=False)
    note = serializers.CharField(max_length=renewals.NOTE_LENGTH, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False)


COUNTS = inline_serializer(
    "RenewalCounts",
    {
        **{status: serializers.IntegerField() for status in RenewalItem.Status.values},
        "total": serializers.IntegerField(),
        "start": serializers.DateField(allow_null=True),
        "end": serializers.DateField(),
    },
)


@extend_schema(parameters=FILTER_PARAMETERS)
class RenewalItemViewSet(OrgViewSet):
    """Renewal and repeat-purchase items in the caller's data scope (by the customer's owner
    and department), soonest due first. The list takes ``period`` (month, 30, 60, 90,
    overdue, custom with ``start``/``end``), ``status``, ``kind``, ``owner`` (id or ``me``)
    and ``customer``; a condition it cannot read is a 400 naming it. POST adds an item by
    hand; PATCH sets the follow-up ``status`` and ``note`` (or ``due_on``) and needs the
    ``version`` you loaded (stale: 409); DELETE removes an item entered by mistake
    (customers · delete). ``counts`` gives the period's count per status."""

    module = "customers"
    serializer_class = RenewalItemSerializer
    pagination_class = RenewalPagination
    extra_capabilities = {"counts": "view"}

    def _filters(self):
        return renewals.clean_filters(self.request.query_params, employee=self.employee)

    def scoped_queryset(self):
        if self.action == "list":
            return renewals.renewal_list(employee=self.employee, filters=self._filters())
        return renewals.renewal_queryset(employee=self.employee)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = renewals.renewal_create(
            actor=self.employee,
            customer=data["customer"],
            due_on=data["due_on"],
            kind=data.get("kind", RenewalItem.Kind.REPURCHASE),
            title=data.get("title", ""),
            note=data.get("note", ""),
        )

    @extend_schema(request=RenewalUpdateSerializer, responses=RenewalItemSerializer)
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        body = RenewalUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unknown = sorted(set(request.data) - set(RenewalUpdateSerializer().fields))
        if unknown:
            raise ValidationError(
                {name: [_("未知字段。")] for name in unknown}, code="unknown_field"
            )
        data = body.validated_data
        item = renewals.renewal_update(
            actor=self.employee,
            item=item,
            version=data["version"],
            status=data.get("status"),
            note=data.get("note"),
            due_on=data.get("due_on"),
        )
        return Response(self.get_serializer(item).data)

    def perform_destroy(self, instance):
        renewals.renewal_delete(actor=self.employee, item=instance)

    @extend_schema(responses=COUNTS)
    @action(detail=False, methods=["get"])
    def counts(self, request):
        """How many items of the period (and the other conditions but status) stand at
        each status, and the period's first and last day."""
        filters = self._filters()
        counts = renewals.status_counts(employee=self.employee, filters=filters)
        return Response({**counts, "start": filters["start"], "end": filters["end"]})
