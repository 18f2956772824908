"""``/api/v1/care-tasks`` and ``/api/v1/care/upcoming``: customer care (客户关怀)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.customers import care
from guanxi.customers.models import CareTask, Contact, Customer
from guanxi.orgs import policy


class CareTaskSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects, allow_null=True, required=False
    )
    status = serializers.ChoiceField(choices=CareTask.Status.choices, required=False)
    note = serializers.CharField(max_length=care.NOTE_LENGTH, required=False, allow_blank=True)

    class Meta:
        model = CareTask
        fields = [
            "id", "customer", "contact", "kind", "title", "due_on", "assignee", "status",
            "done_at", "note", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["assignee", "done_at", "created_at", "updated_at"]


class HolidaySerializer(serializers.Serializer):
    customers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), max_length=care.HOLIDAY_MAX
    )
    title = serializers.CharField(max_length=care.TITLE_LENGTH)
    due_on = serializers.DateField()


class CareTaskViewSet(OrgViewSet):
    """Care tasks in the caller's data scope (by assignee). POST creates one by hand;
    PATCH changes title, date or note, or closes it with ``status`` done/cancelled
    (the note says what was done); DELETE cancels it (the record stays as history).
    ``mine=1`` keeps your own tasks, ``status``, ``customer``, ``kind`` filter."""

    module = "customers"
    serializer_class = CareTaskSerializer
    ordering_fields = ["id", "due_on"]
    extra_capabilities = {"holiday": "edit"}

    def scoped_queryset(self):
        tasks = care.care_queryset(employee=self.employee)
        params = self.request.query_params
        if params.get("status") in CareTask.Status.values:
            tasks = tasks.filter(status=params["status"])
        if params.get("kind") in CareTask.Kind.values:
            tasks = tasks.filter(kind=params["kind"])
        customer = params.get("customer", "")
        if customer.isdigit() and len(customer) < 19:
            tasks = tasks.filter(customer_id=int(customer))
        if params.get("mine") == "1":
            tasks = tasks.filter(assignee=self.employee)
        return tasks

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("status", None)
        serializer.instance = care.care_task_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = care.care_task_update(
            actor=self.employee,
            task=serializer.instance,
            status=data.get("status"),
            note=data.get("note"),
            title=data.get("title"),
            due_on=data.get("due_on"),
        )

    def perform_destroy(self, instance):
        care.care_task_cancel(actor=self.employee, task=instance)

    @extend_schema(
        request=HolidaySerializer,
        responses={201: inline_serializer("CareCreated", {"created": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"])
    def holiday(self, request):
        """Holiday greetings: one care task per listed customer, for its owner."""
        body = HolidaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = care.care_holiday_create(
            actor=self.employee,
            customer_ids=body.validated_data["customers"],
            title=body.validated_data["title"],
            due_on=body.validated_data["due_on"],
        )
        return Response({"created": count}, status=201)


UPCOMING_ITEM = inline_serializer(
    "CareUpcoming",
    {
        "items": inline_serializer(
            "CareUpcomingItem",
            {
                "kind": serializers.CharField(),
                "date": serializers.DateField(),
                "days_left": serializers.IntegerField(),
                "customer": serializers.IntegerField(),
                "contact": serializers.IntegerField(allow_null=True),
                "name": serializers.CharField(),
                "years": serializers.IntegerField(),
            },
            many=True,
        ),
        "count": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
    },
)


class UpcomingView(APIView):
    """Birthdays of contacts and cooperation anniversaries of customers you may see,
    from today to ``days`` ahead (default: the org's birthday reminder days)."""

    permission_classes = [IsEmployee]

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="0–366")], responses=UPCOMING_ITEM
    )
    def get(self, request):
        employee = request._request.employee
        policy.require(employee, "customers.view")
        raw = request.query_params.get("days", "")
        days = int(raw) if raw.isdigit() and len(raw) < 4 else None
        items = [
            {
                "kind": item["kind"],
                "date": item["date"],
                "days_left": item["days_left"],
                "customer": item["customer_id"],
                "contact": item["contact_id"],
                "name": item["name"],
                "years": item["years"],
            }
            for item in care.upcoming(employee=employee, days=days)
        ]
        return Response({"items": items, "count": len(items), "next": None})
