"""Reads of service projects: the scoped queryset (data scope on the manager and the
department, or being a member or a task assignee), the access check, the figures (hours
logged, progress, planned vs budget, next and overdue milestones, overdue tasks) computed
with aggregates, and the start page's 我的项目任务."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales import startcards
from guanxi.service.projects.filters import ProjectFilter
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject, TimeEntry

MODULE = "service_projects"
ZERO = Decimal("0.00")
FINISHED_TASK = (ProjectTask.Status.DONE, ProjectTask.Status.CANCELLED)
Membership = ServiceProject.members.through


def _pk(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def participation_q(employee_id: int) -> Q:
    """Projects ``employee_id`` works on: as a member or as the assignee of a task."""
    member_of = Membership.objects.filter(employee_id=employee_id).values("serviceproject_id")
    assigned = ProjectTask.objects.filter(assignee_id=employee_id).values("project_id")
    return Q(pk__in=member_of) | Q(pk__in=assigned)


def visible_q(employee: Any) -> Q | None:
    """The projects ``employee`` may see (None: all of them): the data scope of module
    ``service_projects`` on the manager and department, or taking part in the project."""
    scope = policy.visible_q(employee, MODULE)
    if scope is None:
        return None
    return scope | participation_q(employee.pk)


def project_queryset(*, employee: Any) -> QuerySet[ServiceProject]:
    """Projects ``employee`` may see, with the customer and people of a list row."""
    qs = ServiceProject.objects.select_related(
        "customer", "contact", "service_contract", "owner", "owner_department"
    )
    if not policy.can(employee, f"{MODULE}.view"):
        return qs.none()
    q = visible_q(employee)
    return qs if q is None else qs.filter(q)


def _sum_of(queryset: QuerySet, field: str) -> Subquery:
    return Subquery(
        queryset.order_by().values("project_id").annotate(total=Sum(field)).values("total")[:1],
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def _count_of(queryset: QuerySet) -> Subquery:
    return Subquery(
        queryset.order_by().values("project_id").annotate(n=Count("id")).values("n")[:1],
        output_field=IntegerField(),
    )


def with_figures(queryset: QuerySet[ServiceProject]) -> QuerySet[ServiceProject]:
    """Annotate ``logged_hours``, ``tasks_active`` (not cancelled) and ``tasks_done``:
    correlated subqueries, so a list page costs the same whatever the row count."""
    entries = TimeEntry.objects.filter(project_id=OuterRef("pk"))
    tasks = ProjectTask.objects.filter(project_id=OuterRef("pk"))
    return queryset.annotate(
        logged_hours=Coalesce(
            _sum_of(entries, "hours"),
            Value(ZERO),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        ),
        tasks_active=Coalesce(
            _count_of(tasks.exclude(status=ProjectTask.Status.CANCELLED)), Value(0)
        ),
        tasks_done=Coalesce(_count_of(tasks.filter(status=ProjectTask.Status.DONE)), Value(0)),
    ).prefetch_related(Prefetch("members", queryset=Employee.objects.only("id", "name")))


def progress(done: int | None, active: int | None) -> int:
    """Done tasks out of the tasks not cancelled, in whole percent (0 without tasks)."""
    if not active:
        return 0
    return round(100 * (done or 0) / active)


def access_project(employee: Any, pk: Any, *, write: bool = False) -> ServiceProject:
    """The project if ``employee`` may see it (and edit projects when ``write``); else 404
    (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return with_figures(project_queryset(employee=employee)).get(pk=_pk(pk))
    except ServiceProject.DoesNotExist as exc:
        raise Http404 from exc


def project_list(*, employee: Any, filters: Any = None) -> QuerySet[ServiceProject]:
    """The projects ``employee`` may see narrowed by ``filters`` (``ProjectFilter``), newest
    first, with their figures. Invalid filters raise a ValidationError naming them."""
    from django.core.exceptions import ValidationError

    queryset = with_figures(project_queryset(employee=employee)).order_by("-id")
    found = ProjectFilter(filters or {}, queryset=queryset)
    if not found.is_valid():
        raise ValidationError(dict(found.errors.get_json_data()), code="invalid")
    return found.qs


def is_participant(employee: Any, project: ServiceProject) -> bool:
    """The manager, a member, or the assignee of one of the project's tasks (one query
    at most)."""
    if project.owner_id == employee.pk:
        return True
    return (
        Membership.objects.filter(serviceproject_id=project.pk, employee_id=employee.pk).exists()
        or ProjectTask.objects.filter(project_id=project.pk, assignee_id=employee.pk).exists()
    )


def may_edit(employee: Any, project: ServiceProject) -> bool:
    """``service_projects.edit`` on a project ``employee`` can see (it was fetched
    through ``project_queryset``)."""
    return policy.can(employee, f"{MODULE}.edit")


def project_tasks(*, project: ServiceProject) -> QuerySet[ProjectTask]:
    """The project's tasks in order, each with its logged hours (``logged_hours``)."""
    logged = _sum_of(TimeEntry.objects.filter(task_id=OuterRef("pk")), "hours")
    return (
        ProjectTask.objects.filter(project_id=project.pk)
        .select_related("assignee", "milestone", "ticket")
        .annotate(
            logged_hours=Coalesce(
                logged, Value(ZERO), output_field=DecimalField(max_digits=12, decimal_places=2)
            )
        )
        .order_by("position", "id")
    )


def project_milestones(*, project: ServiceProject) -> QuerySet[Milestone]:
    """The project's milestones in order, with their open and total task counts."""
    return (
        Milestone.objects.filter(project_id=project.pk)
        .annotate(
            tasks_total=Count("tasks", distinct=True),
            tasks_open=Count(
                "tasks", filter=Q(tasks__status__in=ProjectTask.OPEN_STATUSES), distinct=True
            ),
        )
        .order_by("position", "due_date", "id")
    )


def project_time_entries(*, project: ServiceProject) -> QuerySet[TimeEntry]:
    return (
        TimeEntry.objects.filter(project_id=project.pk)
        .select_related("employee", "task", "created_by")
        .order_by("-work_date", "-id")
    )


def project_members(*, project: ServiceProject) -> list[Employee]:
    return list(project.members.all())


@dataclass(frozen=True)
class Summary:
    logged_hours: Decimal
    billable_hours: Decimal
    planned_hours: Decimal
    budget_hours: Decimal | None
    remaining_budget: Decimal | None
    over_budget: bool
    tasks_total: int
    tasks_active: int
    tasks_done: int
    progress: int
    overdue_tasks: int
    overdue_milestones: int
    milestones_total: int
    milestones_reached: int
    next_milestone: Milestone | None
    hours_by_task: list[dict]
    hours_by_employee: list[dict]

    @property
    def budget_percent(self) -> int:
        if not self.budget_hours:
            return 0
        return min(100, round(100 * self.logged_hours / self.budget_hours))


def project_summary(*, project: ServiceProject, today: datetime.date | None = None) -> Summary:
    """The project's figures: five aggregate queries whatever the number of tasks,
    milestones and time entries."""
    today = today or timezone.localdate()
    entries = TimeEntry.objects.filter(project_id=project.pk)
    hours = entries.aggregate(
        total=Coalesce(Sum("hours"), Value(ZERO)),
        billable=Coalesce(Sum("hours", filter=Q(billable=True)), Value(ZERO)),
    )
    open_task = Q(status__in=ProjectTask.OPEN_STATUSES)
    tasks = ProjectTask.objects.filter(project_id=project.pk).aggregate(
        total=Count("id"),
        active=Count("id", filter=~Q(status=ProjectTask.Status.CANCELLED)),
        done=Count("id", filter=Q(status=ProjectTask.Status.DONE)),
        overdue=Count("id", filter=open_task & Q(due_date__lt=today)),
        planned=Coalesce(
            Sum("planned_hours", filter=~Q(status=ProjectTask.Status.CANCELLED)), Value(ZERO)
        ),
    )
    milestones = list(
        Milestone.objects.filter(project_id=project.pk).order_by("due_date", "position", "id")
    )
    by_task = list(
        entries.filter(task__isnull=False)
        .values("task_id", "task__title")
        .annotate(total=Sum("hours"))
        .order_by("-total", "task_id")
    )
    by_employee = list(
        entries.values("employee_id", "employee__name")
        .annotate(
            total=Sum("hours"),
            billable=Coalesce(Sum("hours", filter=Q(billable=True)), Value(ZERO)),
        )
        .order_by("-total", "employee_id")
    )
    budget = project.budget_hours
    logged = hours["total"]
    return Summary(
        logged_hours=logged,
        billable_hours=hours["billable"],
        planned_hours=tasks["planned"],
        budget_hours=budget,
        remaining_budget=(budget - logged) if budget is not None else None,
        over_budget=budget is not None and logged > budget,
        tasks_total=tasks["total"],
        tasks_active=tasks["active"],
        tasks_done=tasks["done"],
        progress=progress(tasks["done"], tasks["active"]),
        overdue_tasks=tasks["overdue"],
        overdue_milestones=sum(
            1 for m in milestones if m.reached_on is None and m.due_date < today
        ),
        milestones_total=len(milestones),
        milestones_reached=sum(1 for m in milestones if m.reached_on is not None),
        next_milestone=next((m for m in milestones if m.reached_on is None), None),
        hours_by_task=[
            {"task": row["task_id"], "title": row["task__title"], "hours": row["total"]}
            for row in by_task
        ],
        hours_by_employee=[
            {
                "employee": row["employee_id"],
                "name": row["employee__name"],
                "hours": row["total"],
                "billable": row["billable"],
            }
            for row in by_employee
        ],
    )


def customer_projects(*, employee: Any, customer_id: int, limit: int = 10) -> list[ServiceProject]:
    """The customer's latest projects ``employee`` may see, with their figures (one
    query plus the members' prefetch)."""
    return list(
        with_figures(project_queryset(employee=employee))
        .filter(customer_id=customer_id)
        .select_related(None)
        .select_related("owner")
        .order_by("-id")[:limit]
    )


def my_open_tasks(*, employee: Any, limit: int = 8) -> dict[str, Any] | None:
    """The start page's 我的项目任务: the employee's open tasks of open projects, overdue
    first, then by due date (one query; None without ``service_projects.view`` or when
    there is none)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=7)
    S = ProjectTask.Status
    reasons = [
        startcards.Reason("overdue", _("已逾期"), Q(due_date__lt=today), "danger"),
        startcards.Reason("due_soon", _("7 天内到期"), Q(due_date__lte=soon), "warning"),
        startcards.Reason("in_progress", _("进行中"), Q(status=S.IN_PROGRESS), "info"),
        startcards.Reason("todo", _("待办"), Q(status=S.TODO), "secondary"),
    ]
    return startcards.attention(
        ProjectTask.objects.filter(
            assignee_id=employee.pk,
            status__in=ProjectTask.OPEN_STATUSES,
            project__deleted_at__isnull=True,
            project__status__in=ServiceProject.OPEN_STATUSES,
        ).select_related("project"),
        reasons,
        date_field="due_date",
        url=lambda task: reverse("service_projects:project_detail", args=[task.project_id]),
        text=lambda task: f"{task.project.code} · {task.title}",
        limit=limit,
    )
