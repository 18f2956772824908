from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.workspace.messages import selectors
from guanxi.workspace.messages.models import BODY_LENGTH, NAME_LENGTH, Conversation, Message


class MessageSerializer(serializers.ModelSerializer):
    """A message; POST to ``/messages`` names the ``conversation`` or the ``recipient``
    (a colleague: their direct conversation, made if new)."""

    conversation = RecordId(
        source="conversation_id",
        required=False,
        help_text=_("会话编号；与 recipient 二选一。"),
    )
    recipient = RecordId(
        write_only=True, required=False, help_text=_("收信同事的员工编号（单聊）。")
    )
    sender = serializers.IntegerField(source="sender_id", read_only=True, allow_null=True)
    sender_name = serializers.CharField(source="sender.name", read_only=True, default=None)
    body = serializers.CharField(
        max_length=BODY_LENGTH, allow_blank=True, trim_whitespace=False, help_text=_("纯文本。")
    )
    target_type = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("关联记录的类型（可选）。")
    )
    target_id = RecordId(required=False, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id", "conversation", "recipient", "sender", "sender_name", "body", "target_type",
            "target_id", "sent_at",
        ]  # fmt: skip
        read_only_fields = ["sent_at"]

    def validate(self, attrs):
        if self.context.get("in_conversation"):
            return attrs
        if bool(attrs.get("conversation_id")) == bool(attrs.get("recipient")):
            raise serializers.ValidationError(
                {"conversation": [_("请指定 conversation 或 recipient 其中之一。")]}
            )
        return attrs


class LastMessageSerializer(serializers.ModelSerializer):
    sender = serializers.IntegerField(source="sender_id", read_only=True, allow_null=True)
    sender_name = serializers.CharField(source="sender.name", read_only=True, default=None)

    class Meta:
        model = Message
        fields = ["id", "sender", "sender_name", "body", "sent_at"]


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation of yours: ``kind`` direct (``recipient`` on create) or group
    (``name`` and ``members``)."""

    kind = serializers.ChoiceField(choices=Conversation.Kind.choices, required=False)
    name = serializers.CharField(max_length=NAME_LENGTH, required=False, allow_blank=True)
    title = serializers.SerializerMethodField(help_text=_("群名，或单聊对方的姓名。"))
    members = serializers.ListField(
        child=RecordId(), required=False, max_length=200, help_text=_("成员的员工编号。")
    )
    recipient = RecordId(write_only=True, required=False, help_text=_("单聊对方的员工编号。"))
    unread = serializers.IntegerField(read_only=True, help_text=_("您的未读消息数。"))
    last_read_id = serializers.IntegerField(source="my_last_read", read_only=True)
    last_message = LastMessageSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Conversation
        fields = [
            "id", "kind", "name", "title", "members", "recipient", "unread", "last_read_id",
            "last_message", "last_message_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["last_message_at", "created_at"]

    def get_title(self, conversation) -> str:
        return selectors.title(conversation, self.context["request"]._request.employee)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["members"] = [m.employee_id for m in instance.memberships.all()]
        return data


class MembersSerializer(serializers.Serializer):
    members = serializers.ListField(child=RecordId(), min_length=1, max_length=200)


class ReadSerializer(serializers.Serializer):
    up_to = RecordId(required=False, help_text=_("读到的消息编号；默认为最新一条。"))


class ReadResultSerializer(serializers.Serializer):
    last_read_id = serializers.IntegerField()
    unread = serializers.IntegerField()


class UnreadTotalSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
