"""``/api/v1/notifications`` (the caller's own), ``/api/v1/notification-preferences``
(the caller's channels per kind) and ``/api/v1/notification-robots`` (group robots:
admin or ``parameters.edit``)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.pagination import WholeListPagination
from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.orgs import policy
from guanxi.workspace.notifications import kinds, selectors, services
from guanxi.workspace.notifications.api.serializers import (
    NotificationSerializer,
    PreferenceSerializer,
    ReadAllResultSerializer,
    ReadAllSerializer,
    RobotSerializer,
    UnreadCountSerializer,
)
from guanxi.workspace.notifications.filters import NotificationFilter
from guanxi.workspace.notifications.models import Notification


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your own notifications, newest first (nobody sees another's; another's id is 404).
    ``unread=true|false`` and ``kind`` filter. Notifications are made by the system
    (``notify``); here they are read and marked read."""

    permission_classes = [IsEmployee]
    serializer_class = NotificationSerializer
    lookup_value_regex = "[0-9]{1,18}"
    filterset_class = NotificationFilter
    ordering_fields = ["id"]

    @property
    def employee(self):
        return self.request._request.employee

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_queryset(employee=self.employee)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read."""
        notification = services.notification_mark_read(
            actor=self.employee, notification=self.get_object()
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def unread(self, request, pk=None):
        """Mark this notification unread again."""
        notification = services.notification_mark_unread(
            actor=self.employee, notification=self.get_object()
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=ReadAllSerializer, responses={200: ReadAllResultSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None)
    def read_all(self, request):
        """Mark all your unread notifications read (only of ``kind`` when given)."""
        body = ReadAllSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.notification_read_all(
            actor=self.employee, kind=body.validated_data.get("kind") or None
        )
        return Response({"marked": marked})

    @extend_schema(responses={200: UnreadCountSerializer})
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        filterset_class=None,
        pagination_class=None,
    )
    def unread_count(self, request):
        """How many of your notifications are unread (the bell's number)."""
        return Response({"unread": selectors.unread_count(employee=self.employee)})


def _preference_row(kind, chosen):
    return {
        "kind": kind.code,
        "label": str(kind.label),
        "channels": chosen,
        "default_channels": list(dict.fromkeys((kinds.APP, *kind.default_channels))),
        "robot": kind.robot,
    }


class NotificationPreferenceViewSet(viewsets.GenericViewSet):
    """Your channels per notification kind: one item per registered kind (your choice,
    or the kind's defaults). ``PATCH /{kind}`` with ``channels`` chooses; the in-app
    bell is always on."""

    permission_classes = [IsEmployee]
    serializer_class = PreferenceSerializer
    pagination_class = WholeListPagination
    lookup_field = "kind"
    lookup_value_regex = "[a-z0-9_]+"
    http_method_names = ["get", "patch", "head", "options"]

    @property
    def employee(self):
        return self.request._request.employee

    def get_queryset(self):
        return Notification.objects.none()  # rows are built per kind, not read from a table

    def _rows(self):
        return [
            _preference_row(kind, chosen)
            for kind, chosen in selectors.preferences(employee=self.employee)
        ]

    def list(self, request):
        rows = self._rows()
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _row(self, kind):
        for row in self._rows():
            if row["kind"] == kind:
                return row
        raise Http404

    def retrieve(self, request, kind=None):
        return Response(self.get_serializer(self._row(kind)).data)

    def partial_update(self, request, kind=None):
        self._row(kind)  # 404 for an unknown kind
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.preference_set(
            actor=self.employee, kind=kind, channels=body.validated_data["channels"]
        )
        return Response(self.get_serializer(self._row(kind)).data)


class ManageRobots(BasePermission):
    """Every robot action needs ``parameters.edit`` (admins have it)."""

    def has_permission(self, request, view):
        if policy.can(request._request.employee, selectors.MANAGE):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {
            "perm": policy.perms.label(selectors.MANAGE)
        }
        return False


class RobotViewSet(OrgViewSet):
    """Group robots (群机器人) of 企业微信 / 钉钉 / 飞书: where notifications of the chosen
    ``kinds`` (empty: all) go, for the whole org or one ``department`` tree. The webhook
    and the signing secret are write-only. ``POST /{id}/test`` queues a test message."""

    module = "parameters"
    permission_classes = [IsEmployee, ManageRobots]
    serializer_class = RobotSerializer
    ordering_fields = ["id", "name"]
    lookup_value_regex = "[0-9]{1,18}"

    def scoped_queryset(self):
        return selectors.robot_queryset(employee=self.employee)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.robot_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = services.robot_update(
            actor=self.employee, robot=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.robot_delete(actor=self.employee, robot=instance)

    @extend_schema(
        request=None,
        responses={202: None},
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Queue a test message to this robot (see its delivery records for the result)."""
        services.robot_test(actor=self.employee, robot=self.get_object())
        return Response(status=status.HTTP_202_ACCEPTED)
