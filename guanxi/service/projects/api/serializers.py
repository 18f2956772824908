"""Service project resources. Writes pass the raw values to the services, which validate
them."""

from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.contracts.api.serializers import RelatedId
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject, TimeEntry
from guanxi.service.projects.selectors import progress

HOURS = {"max_digits": 8, "decimal_places": 2, "coerce_to_string": True}


class MemberIds(serializers.ListField):
    """The project's members as employee ids (prefetched with the project)."""

    def get_attribute(self, instance):
        return [person.pk for person in instance.members.all()]


class ProjectSerializer(serializers.ModelSerializer):
    customer = RelatedId(required=False)
    contact = RelatedId(required=False, allow_null=True, help_text="a contact of the customer")
    service_contract = RelatedId(
        required=False, allow_null=True, help_text="a service contract of the customer"
    )
    owner = RelatedId(
        required=False, allow_null=True, help_text="the project manager (default: the caller)"
    )
    members = MemberIds(child=RecordId(), required=False, help_text="employee ids")
    budget_hours = serializers.DecimalField(required=False, allow_null=True, **HOURS)
    logged_hours = serializers.DecimalField(read_only=True, max_digits=12, decimal_places=2)
    progress = serializers.SerializerMethodField(
        help_text="done tasks / tasks not cancelled, in whole percent"
    )
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = ServiceProject
        fields = [
            "id", "code", "name", "customer", "contact", "service_contract", "owner",
            "members", "status", "start_date", "due_date", "budget_hours", "logged_hours",
            "progress", "description", "version",
        ]  # fmt: skip
        read_only_fields = ["code", "status"]
        extra_kwargs = {
            "name": {"required": False},
            "start_date": {"input_formats": ["%Y-%m-%d"]},
            "due_date": {"input_formats": ["%Y-%m-%d"]},
        }

    def get_progress(self, project) -> int:
        return progress(getattr(project, "tasks_done", 0), getattr(project, "tasks_active", 0))


class TransitionSerializer(serializers.Serializer):
    status = serializers.CharField()
    version = serializers.IntegerField(required=False, min_value=1)


class MilestoneSerializer(serializers.ModelSerializer):
    tasks_open = serializers.IntegerField(read_only=True, default=0)
    tasks_total = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Milestone
        fields = [
            "id", "name", "due_date", "reached_on", "position", "notes", "tasks_open",
            "tasks_total",
        ]  # fmt: skip
        extra_kwargs = {
            "name": {"required": False},
            "due_date": {"required": False, "input_formats": ["%Y-%m-%d"]},
            "reached_on": {"input_formats": ["%Y-%m-%d"]},
            "position": {"required": False},
        }


class TaskSerializer(serializers.ModelSerializer):
    milestone = RelatedId(required=False, allow_null=True, help_text="a milestone of the project")
    assignee = RelatedId(required=False, allow_null=True, help_text="joins the project")
    ticket = RelatedId(
        required=False, allow_null=True, help_text="a ticket of the project's customer"
    )
    status = serializers.ChoiceField(choices=ProjectTask.Status.choices, required=False)
    planned_hours = serializers.DecimalField(required=False, allow_null=True, **HOURS)
    logged_hours = serializers.DecimalField(
        read_only=True, max_digits=12, decimal_places=2, default=None
    )

    class Meta:
        model = ProjectTask
        fields = [
            "id", "title", "description", "milestone", "assignee", "status", "planned_hours",
            "logged_hours", "due_date", "position", "done_at", "ticket",
        ]  # fmt: skip
        read_only_fields = ["done_at"]
        extra_kwargs = {
            "title": {"required": False},
            "due_date": {"input_formats": ["%Y-%m-%d"]},
            "position": {"required": False},
        }


class TimeEntrySerializer(serializers.ModelSerializer):
    task = RelatedId(required=False, allow_null=True, help_text="a task of the project")
    employee = RelatedId(
        required=False, help_text="default: the caller; someone else needs edit on the project"
    )
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=True, required=False
    )

    class Meta:
        model = TimeEntry
        fields = ["id", "task", "employee", "work_date", "hours", "billable", "note", "created_by"]
        read_only_fields = ["created_by"]
        extra_kwargs = {"work_date": {"required": False, "input_formats": ["%Y-%m-%d"]}}


class HoursByTaskSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    title = serializers.CharField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)


class HoursByEmployeeSerializer(serializers.Serializer):
    employee = serializers.IntegerField()
    name = serializers.CharField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billable = serializers.DecimalField(max_digits=12, decimal_places=2)


class NextMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    due_date = serializers.DateField()


class SummarySerializer(serializers.Serializer):
    logged_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    planned_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    budget_hours = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    remaining_budget = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    over_budget = serializers.BooleanField()
    tasks_total = serializers.IntegerField()
    tasks_active = serializers.IntegerField()
    tasks_done = serializers.IntegerField()
    progress = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()
    overdue_milestones = serializers.IntegerField()
    milestones_total = serializers.IntegerField()
    milestones_reached = serializers.IntegerField()
    next_milestone = NextMilestoneSerializer(allow_null=True)
    hours_by_task = HoursByTaskSerializer(many=True)
    hours_by_employee = HoursByEmployeeSerializer(many=True)
