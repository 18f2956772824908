"""Mail channel resources. Passwords are write-only: they are never read back."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.service.mail.models import InboundMail, Mailbox, OutboundMail


class MailboxSerializer(serializers.ModelSerializer):
    imap_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("只写；留空则保留原密码"),
    )
    smtp_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("只写；留空则保留原密码"),
    )
    has_imap_password = serializers.SerializerMethodField()
    has_smtp_password = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Mailbox
        fields = [
            "id", "name", "active", "imap_host", "imap_port", "imap_security", "imap_user",
            "imap_password", "has_imap_password", "imap_folder", "smtp_host", "smtp_port",
            "smtp_security", "smtp_user", "smtp_password", "has_smtp_password",
            "from_address", "from_name", "uid_validity", "last_uid", "last_polled_at",
            "last_success_at", "last_error", "consecutive_failures", "next_attempt_at",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "imap_port": {"min_value": 1, "max_value": 65535},
            "smtp_port": {"min_value": 1, "max_value": 65535},
        }
        read_only_fields = [
            "uid_validity", "last_uid", "last_polled_at", "last_success_at", "last_error",
            "consecutive_failures", "next_attempt_at", "created_at", "updated_at",
        ]  # fmt: skip

    def get_has_imap_password(self, mailbox) -> bool:
        return bool(mailbox.imap_password)

    def get_has_smtp_password(self, mailbox) -> bool:
        return bool(mailbox.smtp_password)


class ConnectionCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    imap_ok = serializers.BooleanField()
    imap_message = serializers.CharField()
    smtp_ok = serializers.BooleanField(allow_null=True)
    smtp_message = serializers.CharField()


class InboundMailSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    ticket_code = serializers.CharField(source="ticket.code", read_only=True, default=None)

    class Meta:
        model = InboundMail
        fields = [
            "id", "message_id", "in_reply_to", "from_address", "from_name", "subject",
            "received_at", "size", "status", "status_label", "ticket", "ticket_code",
            "detail", "attachments", "handled_by", "handled_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class InboundMailDetailSerializer(InboundMailSerializer):
    class Meta(InboundMailSerializer.Meta):
        fields = [*InboundMailSerializer.Meta.fields, "body_text"]
        read_only_fields = fields


class CreateTicketSerializer(serializers.Serializer):
    customer = RecordId()
    contact = RecordId(required=False, allow_null=True)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.CharField(required=False, allow_blank=True, max_length=40)


class OutboundMailSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    ticket_code = serializers.CharField(source="ticket.code", read_only=True)

    class Meta:
        model = OutboundMail
        fields = [
            "id", "ticket", "ticket_code", "ticket_message", "message_id", "to_address",
            "subject", "in_reply_to", "status", "status_label", "attempts", "last_error",
            "next_attempt_at", "sent_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
