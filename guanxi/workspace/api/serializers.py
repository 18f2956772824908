from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.customers.models import Contact, Customer
from guanxi.workspace.models import Activity, Attachment


class ActivitySerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects, allow_null=True, required=False
    )
    content = serializers.CharField(max_length=5000, allow_blank=True)
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("默认为现在；不能晚于明天。")
    )
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Activity
        fields = [
            "id", "customer", "contact", "kind", "subject", "content", "occurred_at",
            "next_followup_on", "next_followup_note", "owner", "department", "created_by",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None and "customer" in attrs:
            if attrs["customer"].pk != self.instance.customer_id:
                raise serializers.ValidationError({"customer": [_("该字段不能修改。")]})
            attrs.pop("customer")
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
