"""Ticket resources of ``/api/v1/``. Writes hand the validated input to the services,
which check it against the org's records (customer, contact, category…)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.service.tickets.models import (
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketSurvey,
)


class RelatedId(RecordId):
    """A related record by id: an integer in, the related row's id out."""

    def to_representation(self, value):
        return getattr(value, "pk", value)


class TicketSerializer(serializers.ModelSerializer):
    customer = RelatedId(help_text=_("客户"))
    contact = RelatedId(required=False, allow_null=True, help_text=_("该客户的联系人"))
    product = RelatedId(required=False, allow_null=True)
    installed_product = RelatedId(required=False, allow_null=True, help_text=_("该客户的安装档案"))
    assignee = RelatedId(
        required=False, allow_null=True, help_text=_("新建时手动指定处理人；之后请用分配操作")
    )
    team = RelatedId(required=False, allow_null=True)
    category = serializers.CharField(help_text=_("字典“工单类别”的代码，如 repair、complaint"))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee_name = serializers.CharField(
        source="assignee.name", read_only=True, default=None, allow_null=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Ticket
        fields = [
            "id", "code", "subject", "description", "channel", "category", "priority",
            "status", "status_label", "customer", "customer_name", "contact", "assignee",
            "assignee_name", "assignment_reason", "team", "product", "installed_product",
            "created_by", "first_response_at", "resolved_at", "closed_at", "reopen_count",
            "resolution", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "assignment_reason", "created_by", "first_response_at",
            "resolved_at", "closed_at", "reopen_count", "resolution", "created_at",
            "updated_at",
        ]  # fmt: skip


class AssignSerializer(serializers.Serializer):
    assignee = RecordId()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    resolution = serializers.CharField(required=False, allow_blank=True)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class MessageSerializer(serializers.ModelSerializer):
    body = serializers.CharField()
    public = serializers.BooleanField(default=True, write_only=True)
    author_name = serializers.CharField(
        source="author.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = TicketMessage
        fields = [
            "id", "kind", "body", "public", "author", "author_name", "contact", "channel",
            "from_address", "created_at",
        ]  # fmt: skip
        read_only_fields = [
            "kind", "author", "contact", "channel", "from_address", "created_at",
        ]  # fmt: skip


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = [
            "id", "file", "original_name", "size", "content_type", "uploaded_by", "message",
            "created_at", "download_url",
        ]  # fmt: skip
        read_only_fields = [
            "original_name", "size", "content_type", "uploaded_by", "message", "created_at",
        ]  # fmt: skip

    def get_download_url(self, attachment) -> str:
        return f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.pk}"


class SurveySerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = TicketSurvey
        fields = [
            "id", "closure", "agent", "score", "comment", "source", "recorded_by", "contact",
            "answered_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = [
            "closure", "agent", "source", "recorded_by", "contact", "answered_at", "expires_at",
        ]  # fmt: skip


class CallQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
