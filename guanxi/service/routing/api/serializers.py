"""Routing and SLA resources. Writes hand the raw values to the services, which validate
them (dictionary codes, the org's departments, products and employees)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.service.routing.models import CalendarDay, ServiceQueue, SlaPolicy


class RelatedPk(RecordId):
    """A related record by id: an integer in, the related row's id out."""

    def to_representation(self, value):
        return getattr(value, "pk", value)


class IdList(serializers.ListField):
    """Many related records by id: a list of ids in and out (read from the prefetch)."""

    child = RecordId()

    def to_representation(self, data):
        return [item.pk for item in data.all()]


class ServiceQueueSerializer(serializers.ModelSerializer):
    team = RelatedPk(help_text=_("服务团队（部门）"))
    team_name = serializers.CharField(source="team.name", read_only=True)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=50,
        help_text=_("工单类别代码（数据字典 ticket_category）；空表示全部类别"),
    )
    skills = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=50,
        help_text=_("另外算作技能匹配的技能代码（数据字典 skill）"),
    )
    products = IdList(required=False, max_length=500)
    product_categories = IdList(required=False, max_length=500)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ServiceQueue
        fields = [
            "id", "name", "team", "team_name", "categories", "products", "product_categories",
            "skills", "position", "is_default", "active", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class SlaPolicySerializer(serializers.ModelSerializer):
    priority = serializers.CharField(
        required=False, allow_blank=True, help_text=_("low / normal / high / urgent；空表示任意")
    )
    customer_level = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text=_("客户级别代码（数据字典 customer_level）；空表示任意"),
    )
    escalate_employee = RelatedPk(required=False, allow_null=True)
    escalate_employee_name = serializers.CharField(
        source="escalate_employee.name", read_only=True, default=""
    )
    specificity = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "priority", "customer_level", "first_response_minutes",
            "resolution_minutes", "business_hours", "warn_unit", "warn_value", "escalate_to",
            "escalate_employee", "escalate_employee_name", "active", "specificity", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class CalendarDaySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=CalendarDay.Kind.choices,
        required=False,
        help_text=_("holiday 休息日（默认）/ workday 调休上班日"),
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    weekday = serializers.SerializerMethodField(help_text=_("ISO 星期（1 = 星期一）"))

    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "kind_label", "weekday", "name", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"required": False}}

    def get_weekday(self, day) -> int:
        return day.date.isoweekday()

    def get_validators(self):
        return []  # the service answers a taken date with a translated 400


class CalendarImportSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=50_000,
        help_text=_("每行：YYYY-MM-DD[,YYYY-MM-DD] 名称 [休|班]"),
    )


class CalendarImportAnswerSerializer(serializers.Serializer):
    items = CalendarDaySerializer(many=True)
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)


class AgentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()
    service_status = serializers.CharField()
    service_status_label = serializers.CharField()
    service_status_at = serializers.DateTimeField(allow_null=True)
    skills = serializers.ListField(child=serializers.CharField())
    skill_labels = serializers.ListField(child=serializers.CharField())
    open_load = serializers.IntegerField()
    last_assigned_at = serializers.DateTimeField(allow_null=True)
    idle_seconds = serializers.IntegerField(allow_null=True)


class BoardQueueSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="queue.pk")
    name = serializers.CharField(source="queue.name")
    team = serializers.IntegerField(source="queue.team_id")
    waiting = serializers.IntegerField()
    waiting_tickets = serializers.SerializerMethodField()

    def get_waiting_tickets(self, row) -> list[dict]:
        return [
            {"id": ticket.pk, "code": ticket.code, "subject": ticket.subject}
            for ticket in row["tickets"]
        ]


class BoardSerializer(serializers.Serializer):
    items = AgentSerializer(many=True)
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    queues = BoardQueueSerializer(many=True)


class StatusSerializer(serializers.Serializer):
    service_status = serializers.ChoiceField(choices=["online", "busy", "offline"])


class SlaPartSerializer(serializers.Serializer):
    due = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()
    warned = serializers.BooleanField()
    remaining_seconds = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()


class TicketSlaSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    label = serializers.CharField()
    first_response = SlaPartSerializer()
    resolution = SlaPartSerializer()
    paused = serializers.BooleanField()
    stopped = serializers.BooleanField()
    breached = serializers.BooleanField()
    escalation_level = serializers.IntegerField()
