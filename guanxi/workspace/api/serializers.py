from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.core.filters import ID_MAX
from guanxi.customers.models import Contact, Customer
from guanxi.workspace.messages import mentions
from guanxi.workspace.models import Activity, Attachment

# names of the first version of this API, refused with a pointer to the current one
RENAMED = {"kind": "type", "next_followup_on": "next_follow_up",
           "next_followup_note": "next_follow_up_note"}  # fmt: skip


class TargetSerializer(serializers.Serializer):
    """The record the follow-up belongs to: ``{"type": "customer", "id": 42}``."""

    type = serializers.CharField(
        source="target_type", max_length=40, help_text=_("customer、contact 或其他已注册的类型")
    )
    id = serializers.IntegerField(source="target_id", min_value=1, max_value=ID_MAX)


class ActivityListSerializer(serializers.ListSerializer):
    """A page of follow-ups reads every row's mentions in one query."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        found = mentions.mention_ids(rows)
        for row in rows:
            row._mention_ids = found.get(row.pk, [])
        return super().to_representation(rows)


class ActivitySerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(
        source="kind", choices=Activity.Kind.choices, required=False, help_text=_("默认为 call。")
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects, allow_null=True, required=False
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects, allow_null=True, required=False
    )
    target = TargetSerializer(
        source="*",
        required=False,
        help_text=_("跟进的对象；不填时为 customer（有 customer 时）或 contact。"),
    )
    content = serializers.CharField(max_length=5000, allow_blank=True)
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("默认为现在；不能晚于明天。")
    )
    next_follow_up = serializers.DateField(
        source="next_followup_on", allow_null=True, required=False
    )
    next_follow_up_note = serializers.CharField(
        source="next_followup_note", max_length=200, allow_blank=True, required=False
    )
    outcome = serializers.CharField(max_length=1000, allow_blank=True, required=False)
    participants = serializers.ListField(
        source="participant_ids",
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=50,
        required=False,
        help_text=_("参与的员工编号。"),
    )
    participant_contacts = serializers.ListField(
        source="participant_contact_ids",
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=50,
        required=False,
        help_text=_("客户方参与的联系人编号（须为该客户的联系人）。"),
    )
    follow_up_state = serializers.ChoiceField(
        source="followup_state",
        choices=[("overdue", "overdue"), ("today", "today"), ("upcoming", "upcoming")],
        allow_null=True,
        read_only=True,
        help_text=_("下次跟进尚未完成时：overdue（已逾期）、today 或 upcoming。"),
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(required=False)
    mentions = serializers.SerializerMethodField(
        help_text=_("内容中 @提及 的员工编号（写法：@[姓名](employee:编号) 或 @姓名）。")
    )
    mention_warnings = serializers.SerializerMethodField(
        help_text=_("仅在新建或修改时：没有收到提及通知的同事等提示。")
    )

    class Meta:
        model = Activity
        list_serializer_class = ActivityListSerializer
        fields = [
            "id", "type", "target", "customer", "contact", "subject", "content", "occurred_at",
            "next_follow_up", "next_follow_up_note", "outcome", "participants",
            "participant_contacts", "follow_up_state", "overdue", "owner", "department",
            "created_by", "version", "mentions", "mention_warnings", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def get_mentions(self, activity) -> list[int]:
        ids = getattr(activity, "_mention_ids", None)
        if ids is None:
            ids = mentions.mention_ids([activity])[activity.pk]
        return ids

    def get_mention_warnings(self, activity) -> list[str]:
        return [str(w) for w in getattr(activity, "mention_warnings", [])]

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            renamed = {
                old: [_("该字段已更名为 %(name)s。") % {"name": new}]
                for old, new in RENAMED.items()
                if old in data
            }
            if renamed:
                raise serializers.ValidationError(renamed)
        return super().to_internal_value(data)

    def validate(self, attrs):
        if self.instance is not None:
            unchanged = {
                "customer": lambda: (
                    getattr(attrs["customer"], "pk", None) == self.instance.customer_id
                ),
                "target_type": lambda: attrs["target_type"] == self.instance.target_type,
                "target_id": lambda: attrs["target_id"] == self.instance.target_id,
            }
            for field, same in unchanged.items():
                if field not in attrs:
                    continue
                if not same():
                    name = "customer" if field == "customer" else "target"
                    raise serializers.ValidationError({name: [_("该字段不能修改。")]})
                attrs.pop(field)
        return attrs


class AttachmentSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    name = serializers.CharField(source="original_name", max_length=500)
    uploaded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "customer", "name", "size", "content_type", "uploaded_by", "created_at",
            "download_url",
        ]  # fmt: skip
        read_only_fields = ["size", "content_type", "created_at"]

    def get_download_url(self, attachment) -> str:
        return f"/api/v1/attachments/{attachment.pk}/download"


class AttachmentUploadSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**62)
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    name = serializers.CharField(
        max_length=500, required=False, help_text=_("显示的文件名；默认取上传文件的名称。")
    )
