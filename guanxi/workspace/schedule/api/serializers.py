from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import MAX_ID
from guanxi.customers.models import Contact, Customer
from guanxi.orgs.models import Employee
from guanxi.workspace.schedule.models import (
    LOCATION_LENGTH,
    MAX_REMINDER_MINUTES,
    NOTES_LENGTH,
    TITLE_LENGTH,
    Event,
    Task,
)


class RecordRef(serializers.PrimaryKeyRelatedField):
    """A record of the caller's org by id; an id the database cannot hold is a 400 too."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= number <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(number)


COMMON = [
    "id", "title", "notes", "all_day", "assignee", "assignee_name", "department",
    "participants", "customer", "contact", "target_type", "target_id", "reminder_minutes",
    "created_by", "version", "created_at", "updated_at",
]  # fmt: skip


class _ItemSerializer(serializers.ModelSerializer):
    title = serializers.CharField(max_length=TITLE_LENGTH)
    notes = serializers.CharField(max_length=NOTES_LENGTH, required=False, allow_blank=True)
    all_day = serializers.BooleanField(required=False)
    assignee = RecordRef(
        queryset=Employee.objects,
        required=False,
        help_text=_("负责人；默认为自己，须在您的数据范围内。"),
    )
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, default=None)
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    participants = RecordRef(queryset=Employee.objects, many=True, required=False)
    customer = RecordRef(queryset=Customer.objects, allow_null=True, required=False)
    contact = RecordRef(queryset=Contact.objects, allow_null=True, required=False)
    target_type = serializers.CharField(max_length=40, required=False, allow_blank=True)
    target_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, allow_null=True, required=False
    )
    reminder_minutes = serializers.IntegerField(
        min_value=0, max_value=MAX_REMINDER_MINUTES, allow_null=True, required=False
    )
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("修改时：您读到的版本（已过期则 409）。")
    )


class TaskSerializer(_ItemSerializer):
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, required=False)

    class Meta:
        model = Task
        fields = [*COMMON, "due_at", "priority", "status", "completed_at"]
        read_only_fields = ["status", "completed_at", "created_at", "updated_at"]


class EventSerializer(_ItemSerializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(
        required=False, help_text=_("默认为开始后一小时；全天日程结束于最后一天之后的零点。")
    )
    location = serializers.CharField(max_length=LOCATION_LENGTH, required=False, allow_blank=True)

    class Meta:
        model = Event
        fields = [*COMMON, "starts_at", "ends_at", "location"]
        read_only_fields = ["created_at", "updated_at"]


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)
