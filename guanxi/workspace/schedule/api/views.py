"""``/api/v1/tasks`` and ``/api/v1/events`` (日程)."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.workspace.schedule import selectors, services
from guanxi.workspace.schedule.api.serializers import (
    EventSerializer,
    TaskSerializer,
    VersionSerializer,
)
from guanxi.workspace.schedule.filters import EventFilter, TaskFilter


class _ItemViewSet(OrgViewSet):
    module = "tasks"

    def _data(self, serializer):
        data = dict(serializer.validated_data)
        return data.pop("version", None), data

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            return queryset.prefetch_related("participants")
        return queryset


class TaskViewSet(_ItemViewSet):
    """Tasks the caller may see: their "tasks" data scope (by ``assignee``), the ones
    they made and the ones they take part in. ``?from=&to=`` keeps those due in the
    window. POST ``…/{id}/complete`` (``reopen``, ``cancel``) changes the status."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["id", "due_at", "created_at"]
    extra_capabilities = {"complete": "edit", "reopen": "edit", "cancel": "edit"}

    def scoped_queryset(self):
        return selectors.task_queryset(employee=self.employee)

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.task_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.task_update(
            actor=self.employee, task=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.task_delete(actor=self.employee, task=instance)

    def _status(self, request, service):
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = service(
            actor=self.employee, task=self.get_object(), version=body.validated_data.get("version")
        )
        task = self.scoped_queryset().prefetch_related("participants").get(pk=task.pk)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=VersionSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the task done (its assignee's scope, its creator or a participant)."""
        return self._status(request, services.task_complete)

    @extend_schema(request=VersionSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open a done or cancelled task again."""
        return self._status(request, services.task_reopen)

    @extend_schema(request=VersionSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an open task."""
        return self._status(request, services.task_cancel)


class EventViewSet(_ItemViewSet):
    """Events the caller may see (as for tasks). ``?from=&to=`` keeps those overlapping
    the window."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["id", "starts_at", "created_at"]

    def scoped_queryset(self):
        return selectors.event_queryset(employee=self.employee)

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.event_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.event_update(
            actor=self.employee, event=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.event_delete(actor=self.employee, event=instance)
