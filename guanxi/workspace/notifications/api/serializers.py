from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.orgs.models import Department
from guanxi.workspace.notifications import kinds, services
from guanxi.workspace.notifications.models import Notification, Robot


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    target_type = serializers.SerializerMethodField(
        help_text=_("所指记录的类型（app_label.model），可为空")
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "kind_label", "title", "body", "link", "target_type", "target_id",
            "event_key", "actor", "read", "read_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_kind_label(self, notification) -> str:
        return str(kinds.label(notification.kind))

    def get_target_type(self, notification) -> str | None:
        if notification.target_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(notification.target_type_id)  # cached
        return f"{content_type.app_label}.{content_type.model}"

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, allow_blank=True, max_length=40)


class ReadAllResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


CHANNEL_CHOICES = [(code, str(label)) for code, label in kinds.CHANNEL_LABELS.items()]


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNEL_CHOICES),
        max_length=len(kinds.CHANNELS),
        help_text=_("站内（app）总是开启；可选 email、robot"),
    )
    default_channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    robot = serializers.BooleanField(read_only=True, help_text=_("该类型是否可以转发到群机器人"))


class RobotSerializer(serializers.ModelSerializer):
    webhook_url = serializers.CharField(
        max_length=500, write_only=True, help_text=_("http(s) 地址；保存后不再显示")
    )
    webhook_hint = serializers.SerializerMethodField()
    secret = serializers.CharField(
        max_length=200,
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("钉钉/飞书的签名密钥；只写，留空保留原值"),
    )
    has_secret = serializers.SerializerMethodField()
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects, allow_null=True, required=False
    )
    platform = serializers.ChoiceField(choices=Robot.Platform.choices)
    kinds = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=100, required=False
    )
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Robot
        fields = [
            "id", "name", "platform", "webhook_url", "webhook_hint", "secret", "has_secret",
            "department", "kinds", "is_active", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def get_webhook_hint(self, robot) -> str:
        return services.webhook_hint(robot.webhook_url)

    def get_has_secret(self, robot) -> bool:
        return bool(robot.secret)
