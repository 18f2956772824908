"""``/api/v1/service-projects`` and its nested ``tasks``, ``milestones``, ``time-entries``
and ``summary``: thin viewsets over the project services and selectors."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet, idempotent_answer
from guanxi.service.projects import selectors, services
from guanxi.service.projects.api.serializers import (
    MilestoneSerializer,
    ProjectSerializer,
    SummarySerializer,
    TaskSerializer,
    TimeEntrySerializer,
    TransitionSerializer,
)
from guanxi.service.projects.filters import ProjectFilter
from guanxi.service.projects.models import Milestone, ProjectTask, TimeEntry

REFUSED = OpenApiResponse(
    description="Refused by a business rule: ``code`` says which (e.g. project_bad_transition, "
    "project_not_finished, project_closed, milestone_tasks_open, milestone_reached, "
    "day_hours_exceeded)"
)


def _listing(items):
    return {"items": items, "count": len(items), "next": None}


def _body(serializer_class, request, *, partial=False):
    body = serializer_class(data=request.data, partial=partial)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class ProjectViewSet(OrgViewSet):
    """Service projects (项目服务), in the caller's ``service_projects`` data scope (the
    project manager is the owner), plus the projects the caller is a member of or has a
    task in. ``status`` moves only through ``transition``; PATCH with ``version`` (409
    when stale). ``logged_hours`` and ``progress`` are derived."""

    module = "service_projects"
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    ordering_fields = ["id", "code", "name", "start_date", "due_date"]
    extra_capabilities = {
        "transition": "edit",
        "summary": "view",
        "tasks": "view",
        "task": "view",
        "milestones": "view",
        "milestone": "view",
        "time_entries": "view",
        "time_entry": "view",
    }

    def scoped_queryset(self):
        return selectors.with_figures(selectors.project_queryset(employee=self.employee))

    def _reloaded(self, project, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        def answer():
            data = _body(ProjectSerializer, request)
            data.pop("version", None)
            project = services.project_create(actor=self.employee, **data)
            return self._reloaded(project, status.HTTP_201_CREATED)

        return idempotent_answer(request, self.employee, answer)

    def update(self, request, *args, **kwargs):
        project = self.get_object()
        data = _body(ProjectSerializer, request, partial=True)
        version = data.pop("version", None)
        data.pop("customer", None)
        project = services.project_update(
            actor=self.employee, project=project, version=version, **data
        )
        return self._reloaded(project)

    def perform_destroy(self, instance):
        services.project_delete(actor=self.employee, project=instance)

    @extend_schema(request=TransitionSerializer, responses={200: ProjectSerializer, 422: REFUSED})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """planned → in_progress ⇄ on_hold → completed, or cancelled. Completing needs every
        task done or cancelled and every milestone reached (422 ``project_not_finished``)."""
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = services.project_transition(
            actor=self.employee, project=self.get_object(), **body.validated_data
        )
        return self._reloaded(project)

    @extend_schema(request=None, responses={200: SummarySerializer})
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        """Hours logged (total, billable, per task, per employee), planned hours against
        the budget, progress, the next milestone and the overdue counts."""
        data = selectors.project_summary(project=self.get_object())
        return Response(SummarySerializer(data).data)

    # ---- tasks ----

    @extend_schema(methods=["GET"], request=None, responses=TaskSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=TaskSerializer, responses={201: TaskSerializer, 422: REFUSED}
    )
    @action(detail=True, methods=["get", "post"])
    def tasks(self, request, pk=None):
        """GET: the tasks in order, with their logged hours. POST (``service_projects.edit``):
        a task; the assignee joins the project and is notified."""
        project = self.get_object()
        if request.method == "GET":
            rows = selectors.project_tasks(project=project)
            return Response(_listing(TaskSerializer(rows, many=True).data))

        def answer():
            task = services.task_create(
                actor=self.employee, project=project, **_body(TaskSerializer, request)
            )
            fresh = selectors.project_tasks(project=project).get(pk=task.pk)
            return Response(TaskSerializer(fresh).data, status=status.HTTP_201_CREATED)

        return idempotent_answer(request, self.employee, answer)

    @extend_schema(methods=["GET"], request=None, responses=TaskSerializer)
    @extend_schema(methods=["PATCH"], request=TaskSerializer, responses={200: TaskSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["get", "patch", "delete"], url_path=r"tasks/(?P<task_id>\d+)")
    def task(self, request, pk=None, task_id=None):
        """One task: read, change (status too), or remove it (its hours stay)."""
        project = self.get_object()
        task = ProjectTask.objects.filter(pk=task_id, project_id=project.pk).first()
        if task is None:
            raise Http404
        task.project = project
        if request.method == "DELETE":
            services.task_delete(actor=self.employee, task=task)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            services.task_update(
                actor=self.employee, task=task, **_body(TaskSerializer, request, partial=True)
            )
        fresh = selectors.project_tasks(project=project).get(pk=task.pk)
        return Response(TaskSerializer(fresh).data)

    # ---- milestones ----

    @extend_schema(methods=["GET"], request=None, responses=MilestoneSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=MilestoneSerializer,
        responses={201: MilestoneSerializer, 422: REFUSED},
    )
    @action(detail=True, methods=["get", "post"])
    def milestones(self, request, pk=None):
        """GET: the milestones in order. POST (``service_projects.edit``): a milestone
        (``name``, ``due_date``); reach it later with PATCH ``reached_on``."""
        project = self.get_object()
        if request.method == "GET":
            rows = selectors.project_milestones(project=project)
            return Response(_listing(MilestoneSerializer(rows, many=True).data))

        def answer():
            data = _body(MilestoneSerializer, request)
            data.pop("reached_on", None)
            milestone = services.milestone_create(actor=self.employee, project=project, **data)
            fresh = selectors.project_milestones(project=project).get(pk=milestone.pk)
            return Response(MilestoneSerializer(fresh).data, status=status.HTTP_201_CREATED)

        return idempotent_answer(request, self.employee, answer)

    @extend_schema(methods=["GET"], request=None, responses=MilestoneSerializer)
    @extend_schema(
        methods=["PATCH"],
        request=MilestoneSerializer,
        responses={200: MilestoneSerializer, 422: REFUSED},
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path=r"milestones/(?P<milestone_id>\d+)",
    )
    def milestone(self, request, pk=None, milestone_id=None):
        """One milestone: read, change (``reached_on`` a date reaches it once its tasks are
        finished, null takes it back), or remove it (its tasks stay)."""
        project = self.get_object()
        milestone = Milestone.objects.filter(pk=milestone_id, project_id=project.pk).first()
        if milestone is None:
            raise Http404
        milestone.project = project
        if request.method == "DELETE":
            services.milestone_delete(actor=self.employee, milestone=milestone)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            services.milestone_update(
                actor=self.employee,
                milestone=milestone,
                **_body(MilestoneSerializer, request, partial=True),
            )
        fresh = selectors.project_milestones(project=project).get(pk=milestone.pk)
        return Response(MilestoneSerializer(fresh).data)

    # ---- time entries ----

    @extend_schema(methods=["GET"], request=None, responses=TimeEntrySerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=TimeEntrySerializer,
        responses={201: TimeEntrySerializer, 422: REFUSED},
    )
    @action(detail=True, methods=["get", "post"], url_path="time-entries")
    def time_entries(self, request, pk=None):
        """GET: the hours logged, newest day first. POST: log hours (``hours`` > 0 and ≤ 24,
        two decimals; ``work_date`` today or earlier); one's own with ``view`` when taking
        part in the project, anyone's with ``edit``. 24 hours a day per employee at most."""
        project = self.get_object()
        if request.method == "GET":
            rows = selectors.project_time_entries(project=project)
            return Response(_listing(TimeEntrySerializer(rows, many=True).data))

        def answer():
            entry = services.time_entry_create(
                actor=self.employee, project=project, **_body(TimeEntrySerializer, request)
            )
            return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

        return idempotent_answer(request, self.employee, answer)

    @extend_schema(methods=["GET"], request=None, responses=TimeEntrySerializer)
    @extend_schema(
        methods=["PATCH"],
        request=TimeEntrySerializer,
        responses={200: TimeEntrySerializer, 422: REFUSED},
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path=r"time-entries/(?P<entry_id>\d+)",
    )
    def time_entry(self, request, pk=None, entry_id=None):
        """One time entry: read, change or remove it (the same rights as logging it)."""
        project = self.get_object()
        entry = (
            TimeEntry.objects.filter(pk=entry_id, project_id=project.pk)
            .select_related("employee")
            .first()
        )
        if entry is None:
            raise Http404
        entry.project = project
        if request.method == "DELETE":
            services.time_entry_delete(actor=self.employee, entry=entry)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            entry = services.time_entry_update(
                actor=self.employee,
                entry=entry,
                **_body(TimeEntrySerializer, request, partial=True),
            )
        return Response(TimeEntrySerializer(entry).data)
