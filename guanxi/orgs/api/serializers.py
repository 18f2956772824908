from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.orgs import dictionaries, numbering
from guanxi.orgs.models import CustomField, Department, DictionaryEntry, Employee, OrgSettings, Role


class DepartmentSerializer(serializers.ModelSerializer):
    # managers, not querysets: evaluated per request, inside the org scope
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects, allow_null=True, required=False
    )
    employee_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Department
        fields = [
            "id",
            "name",
            "parent",
            "path",
            "depth",
            "sort_order",
            "employee_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth"]


class DataScopeSerializer(serializers.Serializer):
    scope = serializers.CharField()
    departments = serializers.ListField(child=serializers.IntegerField(), required=False)


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.ListField(child=serializers.CharField(), required=False)
    data_scopes = serializers.DictField(child=DataScopeSerializer(), required=False)
    employee_count = serializers.IntegerField(read_only=True, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "description",
            "is_admin",
            "permissions",
            "data_scopes",
            "employee_count",
            "version",
            "created_at",
            "updated_at",
        ]


class EmployeeSerializer(serializers.ModelSerializer):
    username = serializers.CharField(max_length=60)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects)
    manager = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects, allow_null=True, required=False
    )
    roles = serializers.PrimaryKeyRelatedField(queryset=Role.objects, many=True, required=False)
    skills = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    status = serializers.ChoiceField(choices=Employee.Status.choices, read_only=True)
    service_status = serializers.ChoiceField(
        choices=Employee.ServiceStatus.choices,
        required=False,
        help_text="a service agent's availability; an employee may set their own",
    )
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Employee
        fields = [
            "id",
            "username",
            "password",
            "name",
            "department",
            "manager",
            "roles",
            "title",
            "skills",
            "status",
            "service_status",
            "service_status_at",
            "mobile",
            "email",
            "left_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["left_at", "service_status_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["username"] = instance.user.username
        return data

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("新员工必须设置初始密码。")]})
        return attrs


class DictionaryEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=list(dictionaries.KINDS.items()))
    display_label = serializers.CharField(read_only=True)

    class Meta:
        model = DictionaryEntry
        fields = [
            "id",
            "kind",
            "code",
            "label",
            "label_en",
            "display_label",
            "sort_order",
            "color",
            "is_active",
        ]
        extra_kwargs = {"sort_order": {"required": False}}


class OrgSettingsSerializer(serializers.ModelSerializer):
    work_days = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7))

    class Meta:
        model = OrgSettings
        exclude = ["id", "org", "created_at"]
        read_only_fields = ["updated_at"]


class NumberingRuleSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=[(k, v[0]) for k, v in numbering.TARGETS.items()])
    pattern = serializers.CharField(max_length=100)
    example = serializers.CharField(read_only=True)


class CustomFieldChoiceSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    label = serializers.CharField(max_length=100)
    label_en = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CustomFieldSerializer(serializers.ModelSerializer):
    entity = serializers.CharField(max_length=40, help_text=_("对象代码，如 product。"))
    choices = CustomFieldChoiceSerializer(many=True, required=False)
    display_label = serializers.CharField(read_only=True)

    class Meta:
        model = CustomField
        fields = [
            "id", "entity", "code", "label", "label_en", "display_label", "field_type",
            "choices", "required", "help_text", "sort_order", "is_active", "show_in_list",
            "searchable", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"sort_order": {"required": False}}
