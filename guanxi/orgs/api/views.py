from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.pagination import WholeListPagination
from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import ModulePermission, OrgViewSet
from guanxi.core.errors import BusinessRuleError
from guanxi.orgs import numbering, policy, selectors, services
from guanxi.orgs.api.serializers import (
    CustomFieldSerializer,
    DepartmentSerializer,
    DictionaryEntrySerializer,
    EmployeeSerializer,
    NumberingRuleSerializer,
    OrgSettingsSerializer,
    RoleSerializer,
)
from guanxi.orgs.models import CustomField, DictionaryEntry, NumberingRule


class DepartmentViewSet(OrgViewSet):
    """Departments: a tree of any depth. PATCH ``parent`` moves the whole subtree."""

    module = "departments"
    serializer_class = DepartmentSerializer
    ordering_fields = ["path", "name", "sort_order", "id"]
    search_fields = ["name"]
    pagination_class = WholeListPagination

    def scoped_queryset(self):
        return selectors.department_list(employee=self.employee)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.department_create(
            actor=self.employee,
            name=data["name"],
            parent=data.get("parent"),
            sort_order=data.get("sort_order", 0),
        )

    def perform_update(self, serializer):
        serializer.instance = services.department_update(
            actor=self.employee, department=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.department_delete(actor=self.employee, department=instance)


class RoleViewSet(OrgViewSet):
    """Roles: function permissions, special permissions and data scope per module."""

    module = "roles"
    serializer_class = RoleSerializer
    ordering_fields = ["name", "id"]
    search_fields = ["name"]
    pagination_class = WholeListPagination

    def scoped_queryset(self):
        return selectors.role_list(employee=self.employee)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.role_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = services.role_update(
            actor=self.employee, role=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.role_delete(actor=self.employee, role=instance)


class EmployeeViewSet(OrgViewSet):
    """Employees. ``POST …/{id}/leave`` and ``…/{id}/reactivate`` change status."""

    module = "employees"
    serializer_class = EmployeeSerializer
    ordering_fields = ["name", "id", "created_at"]
    filterset_fields = ["status", "department"]
    search_fields = ["name", "user__username", "mobile", "email"]
    extra_capabilities = {"leave": "edit", "reactivate": "edit"}

    def scoped_queryset(self):
        return selectors.employee_list(employee=self.employee)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.employee_create(actor=self.employee, **data)

    def check_permissions(self, request):
        # an agent sets their own availability without the employees permissions
        if self._own_service_status(request):
            return
        super().check_permissions(request)

    def get_queryset(self):
        if self._own_service_status(self.request):
            return selectors.employee_self(employee=self.employee)
        return super().get_queryset()

    def _own_service_status(self, request):
        return (
            self.action == "partial_update"
            and str(self.kwargs.get("pk")) == str(self.employee.pk)
            and set(request.data) <= {"service_status", "version"}
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        employee = serializer.instance
        if "service_status" in data:
            employee = services.employee_set_service_status(
                actor=self.employee, employee=employee, service_status=data.pop("service_status")
            )
        if not data:  # only the availability changed
            serializer.instance = employee
            return
        password = data.pop("password", None)
        if data.pop("username", employee.user.username) != employee.user.username:
            raise serializers.ValidationError({"username": [_("用户名创建后不能修改。")]})
        serializer.instance = services.employee_update(
            actor=self.employee, employee=employee, version=version, **data
        )
        if password:
            services.employee_set_password(
                actor=self.employee, employee=employee, password=password
            )

    def perform_destroy(self, instance):
        raise BusinessRuleError(
            _("员工不能删除（其业务记录和历史需要保留），请将其设为离职。"),
            code="employees_not_deleted",
        )

    @extend_schema(request=None, responses=EmployeeSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        employee = services.employee_leave(actor=self.employee, employee=self.get_object())
        return Response(self.get_serializer(employee).data)

    @extend_schema(request=None, responses=EmployeeSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        employee = services.employee_reactivate(actor=self.employee, employee=self.get_object())
        return Response(self.get_serializer(employee).data)


class DictionaryEntryViewSet(OrgViewSet):
    """Dictionary (picklist) entries. Every employee may read; editing needs
    the dictionaries permissions. Filter with ``?kind=industry``."""

    module = "dictionaries"
    serializer_class = DictionaryEntrySerializer
    filterset_fields = ["kind", "is_active"]
    search_fields = ["code", "label", "label_en"]
    ordering_fields = ["sort_order", "id"]
    pagination_class = WholeListPagination

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [IsEmployee()]
        return super().get_permissions()

    def scoped_queryset(self):
        return DictionaryEntry.objects.order_by("kind", "sort_order", "id")

    def perform_create(self, serializer):
        serializer.instance = services.dictionary_entry_create(
            actor=self.employee, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for fixed in ("kind", "code"):
            if fixed in data and data[fixed] == getattr(serializer.instance, fixed):
                data.pop(fixed)
        serializer.instance = services.dictionary_entry_update(
            actor=self.employee, entry=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.dictionary_entry_delete(actor=self.employee, entry=instance)


class CustomFieldViewSet(OrgViewSet):
    """Custom field definitions. Every employee may read them (forms and lists of
    every module need them); changing them needs the custom_fields permissions.
    Filter with ``?entity=customer``. ``entity``, ``code`` and ``field_type`` are
    fixed once created."""

    module = "custom_fields"
    serializer_class = CustomFieldSerializer
    filterset_fields = ["entity", "is_active", "field_type"]
    search_fields = ["code", "label", "label_en"]
    ordering_fields = ["sort_order", "id"]
    pagination_class = WholeListPagination

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [IsEmployee()]
        return super().get_permissions()

    def scoped_queryset(self):
        return CustomField.objects.order_by("entity", "sort_order", "id")

    def perform_create(self, serializer):
        serializer.instance = services.custom_field_create(
            actor=self.employee, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.custom_field_update(
            actor=self.employee, field=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.custom_field_delete(actor=self.employee, field=instance)


class SettingsView(APIView):
    """System parameters (系统参数) of the caller's org: one object."""

    serializer_class = OrgSettingsSerializer
    permission_classes = [IsEmployee]

    @extend_schema(responses=OrgSettingsSerializer)
    def get(self, request):
        policy.require(request._request.employee, "parameters.view")
        return Response(OrgSettingsSerializer(services.org_settings(request.org.pk)).data)

    @extend_schema(request=OrgSettingsSerializer, responses=OrgSettingsSerializer)
    def patch(self, request):
        employee = request._request.employee
        policy.require(employee, "parameters.edit")
        instance = services.org_settings(request.org.pk)
        serializer = OrgSettingsSerializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = services.settings_update(actor=employee, **serializer.validated_data)
        return Response(OrgSettingsSerializer(updated).data)


class NumberingRuleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Numbering rules per target; ``PATCH /numbering-rules/{target}`` changes one."""

    serializer_class = NumberingRuleSerializer
    permission_classes = [IsEmployee, ModulePermission]
    module = "numbering"
    pagination_class = WholeListPagination
    lookup_field = "target"
    extra_capabilities = {"partial_update": "edit"}

    def _rows(self):
        saved = dict(NumberingRule.objects.values_list("target", "pattern"))
        today = timezone.localdate()
        return [
            {
                "target": target,
                "pattern": saved.get(target, default),
                "example": numbering.render(saved.get(target, default), 1, today),
            }
            for target, (_label, default) in numbering.TARGETS.items()
        ]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return NumberingRule.objects.none()
        return NumberingRule.objects.all()

    def list(self, request):
        rows = self.paginate_queryset(self._rows())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def partial_update(self, request, target=None):
        body = request.data if isinstance(request.data, dict) else {}
        serializer = self.get_serializer(data={**body, "target": target})
        serializer.is_valid(raise_exception=True)
        services.numbering_rule_set(
            actor=request._request.employee,
            target=target,
            pattern=serializer.validated_data["pattern"],
        )
        row = next(r for r in self._rows() if r["target"] == target)
        return Response(self.get_serializer(row).data, status=status.HTTP_200_OK)


def employee_summary(employee):
    access = policy.access_for(employee)
    return {
        "id": employee.pk,
        "username": employee.user.username,
        "name": employee.name,
        "org": {"id": employee.org.pk, "code": employee.org.code, "name": employee.org.name},
        "department": {"id": employee.department.pk, "name": employee.department.name},
        "roles": [
            {"id": r.pk, "name": r.name, "is_admin": r.is_admin} for r in employee.roles.all()
        ],
        "permissions": sorted(access.codes),
        "data_scopes": {
            module: (
                "all" if scope.all else {"own": True, "departments": sorted(scope.department_ids)}
            )
            for module, scope in access.scopes.items()
        },
        "is_admin": access.is_admin,
        "two_factor": employee.user.totp_enabled,
        "service_status": employee.service_status,
    }
