"""``/api/v1/announcements``: the announcements for me, writing them, read receipts."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import ModulePermission, OrgViewSet
from guanxi.orgs import policy
from guanxi.workspace.announcements import selectors, services
from guanxi.workspace.announcements.models import Announcement


class AnnouncementPermission(ModulePermission):
    """Reading needs no permission (the queryset keeps what is addressed to the reader);
    writing is checked per record by the services; receipts need ``announcements.view``."""

    CAPABILITIES = {"create": "create", "receipts": "view"}

    def has_permission(self, request, view):
        needed = self.CAPABILITIES.get(view.action)
        if view.action in ("update", "partial_update", "destroy", "publish", "withdraw"):
            employee = request._request.employee
            if selectors.may_write(employee) or policy.can(employee, "announcements.delete"):
                return True
            needed = "delete" if view.action == "destroy" else "edit"
        if needed is None:
            return True
        employee = request._request.employee
        if policy.can(employee, f"{view.module}.{needed}"):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {
            "perm": policy.perms.label(f"{view.module}.{needed}")
        }
        return False


class DepartmentIds(serializers.ListField):
    """The audience departments as ids (prefetched with the announcement)."""

    def get_attribute(self, instance):
        return [department.pk for department in instance.departments.all()]


class AnnouncementSerializer(serializers.ModelSerializer):
    departments = DepartmentIds(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=services.MAX_DEPARTMENTS,
        help_text="audience departments: department ids of this org",
    )
    author_name = serializers.CharField(source="author.name", read_only=True, default="")
    is_read = serializers.BooleanField(read_only=True, default=False)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="PATCH: the version you loaded (stale: 409)"
    )

    class Meta:
        model = Announcement
        fields = [
            "id", "title", "body", "audience", "departments", "include_children", "pinned",
            "status", "published_at", "expires_at", "author", "author_name", "is_read",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["status", "published_at", "author", "created_at", "updated_at"]


class ReceiptSerializer(serializers.Serializer):
    employee = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()
    read_at = serializers.DateTimeField(allow_null=True)


class AnnouncementViewSet(OrgViewSet):
    """Announcements (公告). The list is the announcements addressed to me (published,
    not expired; pinned first, then unread, then newest), ``?unread=1`` only the unread
    ones; with ``announcements.view``, ``?all=1`` lists every announcement of the org in
    any state. ``audience`` is ``all`` or ``departments`` (``departments``: ids;
    ``include_children`` adds their sub-departments). ``POST …/{id}/publish`` notifies the
    audience once; ``…/withdraw`` takes it back; ``…/read`` stores my read receipt;
    ``POST …/read-all`` marks all of mine read; ``GET …/{id}/receipts`` (``announcements.view``)
    lists who has read it and who in the audience has not."""

    module = "announcements"
    serializer_class = AnnouncementSerializer
    permission_classes = [IsEmployee, AnnouncementPermission]
    ordering_fields: list = []  # newest first (the cursor's order); pinned / is_read are fields

    def scoped_queryset(self):
        employee = self.employee
        if self.action == "list":
            if self.request.query_params.get("all") == "1" and selectors.may_view_all(employee):
                queryset = selectors.manage_queryset(employee=employee)
            else:
                unread = self.request.query_params.get("unread") in ("1", "true")
                queryset = selectors.feed_queryset(employee=employee, unread=unread)
        else:
            queryset = selectors.visible_queryset(employee=employee)
        return queryset.prefetch_related("departments")

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="only the unread ones (1)"),
            OpenApiParameter("all", bool, description="every announcement of the org (1)"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _fields(self, data):
        keys = ("title", "body", "audience", "departments", "include_children", "pinned",
                "expires_at")  # fmt: skip
        return {key: data[key] for key in keys if key in data}

    def perform_create(self, serializer):
        publish = self.request.query_params.get("publish") in ("1", "true")
        serializer.instance = services.announcement_create(
            actor=self.employee, publish=publish, **self._fields(serializer.validated_data)
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.announcement_update(
            actor=self.employee,
            announcement=serializer.instance,
            version=data.get("version"),
            **self._fields(data),
        )

    def perform_destroy(self, instance):
        services.announcement_delete(actor=self.employee, announcement=instance)

    def _answer(self, announcement):
        fresh = self.scoped_queryset().get(pk=announcement.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        request=inline_serializer(
            "AnnouncementVersion",
            {"version": serializers.IntegerField(required=False, min_value=1)},
        ),
        responses=AnnouncementSerializer,
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        announcement = self.get_object()
        done = services.announcement_publish(
            actor=self.employee, announcement=announcement, version=_version(request.data)
        )
        return self._answer(done)

    @extend_schema(
        request=inline_serializer(
            "AnnouncementWithdraw",
            {"version": serializers.IntegerField(required=False, min_value=1)},
        ),
        responses=AnnouncementSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        announcement = self.get_object()
        done = services.announcement_withdraw(
            actor=self.employee, announcement=announcement, version=_version(request.data)
        )
        return self._answer(done)

    @extend_schema(request=None, responses=AnnouncementSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        announcement = self.get_object()
        services.announcement_mark_read(actor=self.employee, announcement=announcement)
        return self._answer(announcement)

    @extend_schema(
        request=None,
        responses=inline_serializer("AnnouncementReadAll", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.announcement_read_all(actor=self.employee)})

    @extend_schema(
        responses=inline_serializer(
            "AnnouncementReceipts",
            {
                "read_count": serializers.IntegerField(),
                "unread_count": serializers.IntegerField(),
                "read": ReceiptSerializer(many=True),
                "unread": ReceiptSerializer(many=True),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        announcement = self.get_object()
        found = selectors.receipts(announcement)

        def row(employee, read_at=None):
            return {
                "employee": employee.pk,
                "name": employee.name,
                "department": employee.department.name,
                "read_at": read_at,
            }

        return Response(
            {
                "read_count": found["read_count"],
                "unread_count": found["unread_count"],
                "read": ReceiptSerializer(
                    [row(r.employee, r.read_at) for r in found["read"]], many=True
                ).data,
                "unread": ReceiptSerializer([row(e) for e in found["unread"]], many=True).data,
            },
            status=status.HTTP_200_OK,
        )


def _version(data):
    """The ``version`` of an action's body: a positive number, or None (no check)."""
    value = data.get("version") if hasattr(data, "get") else None
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise serializers.ValidationError({"version": [_("版本号无效。")]})
    try:
        number = int(value)
    except ValueError as exc:
        raise serializers.ValidationError({"version": [_("版本号无效。")]}) from exc
    if not 1 <= number <= 2**31:
        raise serializers.ValidationError({"version": [_("版本号无效。")]})
    return number
