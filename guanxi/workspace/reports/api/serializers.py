from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.workspace.reports.models import (
    COMMENT_LENGTH,
    MAX_SCORE,
    MIN_SCORE,
    NAME_LENGTH,
    FieldType,
    Period,
    ReportComment,
    ReportRevision,
    ReportTemplate,
    WorkReport,
)


class FieldDefinitionSerializer(serializers.Serializer):
    """One field of a template (checked again, strictly, by the service)."""

    key = serializers.CharField(required=False, allow_blank=True, max_length=30)
    label = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=FieldType.choices)
    required = serializers.BooleanField(required=False, default=False)
    help = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    options = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    decimals = serializers.IntegerField(required=False, min_value=0, max_value=6, default=0)


class ReportTemplateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=NAME_LENGTH)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    period = serializers.ChoiceField(choices=Period.choices)
    fields = FieldDefinitionSerializer(many=True, required=False)
    departments = serializers.ListField(child=RecordId(), required=False, write_only=True)
    roles = serializers.ListField(child=RecordId(), required=False, write_only=True)
    due_weekday = serializers.IntegerField(min_value=1, max_value=7, required=False)
    due_day = serializers.IntegerField(min_value=1, max_value=31, required=False)
    due_month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    version = serializers.IntegerField(
        required=False, help_text=_("修改时：您读到的版本号（已被他人修改则 409）。")
    )

    class Meta:
        model = ReportTemplate
        fields = [
            "id", "name", "description", "period", "is_active", "departments", "roles",
            "due_time", "due_weekday", "due_day", "due_month", "fields", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["departments"] = sorted(d.pk for d in instance.departments.all())
        data["roles"] = sorted(r.pk for r in instance.roles.all())
        data["fields"] = instance.fields
        return data


class WorkReportSerializer(serializers.ModelSerializer):
    template = RecordId(
        write_only=True, required=False, help_text=_("报告模板 id（创建时必填，之后不能改）。")
    )
    date = serializers.DateField(
        write_only=True, required=False, help_text=_("报告所属周期内的任一天，默认今天。")
    )
    values = serializers.JSONField(
        required=False, help_text=_("以字段标识为键的内容，按模板字段严格校验。")
    )
    readers = serializers.ListField(child=RecordId(), required=False, write_only=True)
    submit = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text=_("保存的同时提交。")
    )
    author_name = serializers.CharField(source="author.name", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    period = serializers.CharField(source="template.period", read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = WorkReport
        fields = [
            "id", "template", "template_name", "period", "date", "author", "author_name",
            "department", "period_start", "period_end", "due_at", "fields", "values",
            "status", "submitted_at", "is_late", "readers", "submit", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "author", "department", "period_start", "period_end", "due_at", "fields",
            "status", "submitted_at", "is_late", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["template"] = instance.template_id
        data["readers"] = sorted(e.pk for e in instance.readers.all())
        return data


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class CommentSerializer(serializers.ModelSerializer):
    body = serializers.CharField(max_length=COMMENT_LENGTH)
    author_name = serializers.CharField(source="author.name", read_only=True, default=None)

    class Meta:
        model = ReportComment
        fields = ["id", "author", "author_name", "body", "created_at"]
        read_only_fields = ["author", "created_at"]


class ScoreSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=MIN_SCORE, max_value=MAX_SCORE)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ScoreResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    note = serializers.CharField()
    average = serializers.FloatField()
    count = serializers.IntegerField()


class ReadResultSerializer(serializers.Serializer):
    read = serializers.BooleanField()
    first_time = serializers.BooleanField()


class RevisionSerializer(serializers.ModelSerializer):
    editor_name = serializers.CharField(source="editor.name", read_only=True, default=None)

    class Meta:
        model = ReportRevision
        fields = ["id", "version", "editor", "editor_name", "values", "created_at"]
