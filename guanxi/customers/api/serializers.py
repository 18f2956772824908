from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.api.serializers import QuickRepresentation
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee

PHONE_FIELDS = {
    Customer: ("phone", "finance_phone"),
    Contact: ("office_phone", "mobile", "home_phone", "fax"),
}


class MaskedPhonesMixin:
    """Phones are masked (138****5678) without ``special.view_full_phone``."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        employee = self.context.get("employee")
        for field in PHONE_FIELDS[type(instance)]:
            if data.get(field):
                data[field] = policy.mask_phone(employee, data[field])
        return data


class CustomerSerializer(MaskedPhonesMixin, QuickRepresentation, serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("留空则按编号规则自动生成。")
    )
    mnemonic = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text=_("留空则取名称的拼音首字母。")
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects, allow_null=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects, allow_null=True, required=False
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects, allow_null=True, required=False
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    custom = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Customer
        fields = [
            "id", "code", "name", "mnemonic", "is_person", "address", "phone", "postcode",
            "email", "region", "industry", "level", "type", "status", "credit_rating",
            "credit_limit", "parent", "finance_phone", "website", "notes", "registered_on",
            "owner", "department", "source", "tags", "lifecycle_stage", "value_tier", "custom",
            "last_followup_at", "next_followup_on", "in_pool", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "value_tier", "last_followup_at", "next_followup_on", "in_pool", "created_at",
            "updated_at",
        ]  # fmt: skip


class PossibleDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    reason = serializers.CharField(help_text=_("电话相同、电子邮件相同、名称相同或名称相似。"))


class PossibleDuplicatesSerializer(serializers.Serializer):
    items = PossibleDuplicateSerializer(many=True)
    hidden_count = serializers.IntegerField(help_text=_("不在您数据权限内的疑似重复客户数。"))


class CustomerCreatedSerializer(CustomerSerializer):
    """The answer to a create: the customer, and the customers it may duplicate (the
    same rules as ``GET …/duplicates``; the customer is saved either way)."""

    possible_duplicates = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "possible_duplicates"]

    @extend_schema_field(PossibleDuplicatesSerializer)
    def get_possible_duplicates(self, customer):
        return getattr(customer, "possible_duplicates", {"items": [], "hidden_count": 0})


class ContactSerializer(MaskedPhonesMixin, QuickRepresentation, serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)
    department = serializers.CharField(
        source="department_name", max_length=100, required=False, allow_blank=True,
        help_text=_("联系人在客户单位中的部门。"),
    )  # fmt: skip
    manager = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects, allow_null=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects, allow_null=True, required=False
    )
    owner_department = serializers.PrimaryKeyRelatedField(read_only=True)
    custom = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Contact
        fields = [
            "id", "customer", "name", "mnemonic", "gender", "birthday", "department", "title",
            "manager", "office_phone", "mobile", "email", "home_phone", "fax", "hobbies",
            "notes", "owner", "owner_department", "is_primary", "custom", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["mnemonic", "created_at", "updated_at"]


class TransferSerializer(serializers.Serializer):
    customers = serializers.ListField(child=RecordId(), max_length=10_000)
    owner = RecordId()
    with_contacts = serializers.BooleanField(default=True)


class HandoverSerializer(serializers.Serializer):
    source = RecordId(help_text=_("移交人（员工编号）"))
    target = RecordId(help_text=_("接收人（员工编号）"))
    customers = serializers.ListField(
        child=RecordId(),
        required=False,
        max_length=5000,
        help_text=_("只移交这些客户（不填则移交全部）"),
    )


class LifecycleChangeSerializer(serializers.ModelSerializer):
    actor = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = LifecycleChange
        fields = ["id", "from_stage", "to_stage", "reason", "actor", "created_at"]


class BulkUpdateSerializer(serializers.Serializer):
    customers = serializers.ListField(child=RecordId(), max_length=500)
    changes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True, max_length=300),
        required=False,
        help_text=_(
            "字段名 → 新值：industry、level、type、status、source、credit_rating、"
            "region、lifecycle_stage、credit_limit"
        ),
    )
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20
    )
    remove_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20
    )


class MergeSerializer(serializers.Serializer):
    survivor = RecordId(help_text=_("保留的客户"))
    merged = serializers.ListField(
        child=RecordId(), max_length=10, help_text=_("并入保留客户的客户")
    )
    choices = serializers.DictField(
        child=RecordId(),
        required=False,
        help_text=_("字段名 → 取值来源客户（默认取保留客户的值，为空时取第一个非空值）"),
    )
    version = serializers.IntegerField(required=False, help_text=_("保留客户的版本号"))
