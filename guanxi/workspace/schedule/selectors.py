"""Reads of tasks and events, within the employee's access.

Visible: the "tasks" function permission, then the records of the employee's "tasks"
data scope (``assignee`` / ``department``), those they created and those they take part
in. A colleague's calendar is the part of that which the colleague is assigned to or
takes part in; the colleagues offered are those the employee's data scope covers.
"""

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace.schedule.models import Event, Task

SCOPE = {"owner": "assignee", "department": "department"}
TODAY_LIMIT = 20


def _participates(model, employee_id):
    through = model.participants.through
    field = "task_id" if model is Task else "event_id"
    return Exists(through.objects.filter(**{field: OuterRef("pk"), "employee_id": employee_id}))


def _visible(model, employee) -> QuerySet:
    if not policy.can(employee, "tasks.view"):
        return model.objects.none()
    qs = model.objects.select_related("assignee", "customer", "contact")
    scope_q = policy.visible_q(employee, "tasks", **SCOPE)
    if scope_q is None:
        return qs
    return qs.filter(scope_q | Q(created_by_id=employee.pk) | _participates(model, employee.pk))


def task_queryset(*, employee) -> QuerySet[Task]:
    return _visible(Task, employee)


def event_queryset(*, employee) -> QuerySet[Event]:
    return _visible(Event, employee)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_task(employee, pk, *, write=False) -> Task:
    """The task, if ``employee`` may see it (and change it when ``write``); else 404/403."""
    policy.require(employee, "tasks.edit" if write else "tasks.view")
    task = _get(task_queryset(employee=employee), pk)
    if write and not can_change(employee, task):
        raise Http404
    return task


def access_event(employee, pk, *, write=False) -> Event:
    policy.require(employee, "tasks.edit" if write else "tasks.view")
    event = _get(event_queryset(employee=employee), pk)
    if write and not can_change(employee, event):
        raise Http404
    return event


def can_change(employee, item) -> bool:
    """Participants see an item; changing it takes the data scope or having made it."""
    if item.created_by_id == employee.pk:
        return True
    return policy.can_see_record(employee, "tasks", item, **SCOPE)


def colleague_choices(employee) -> list[Employee]:
    """Active colleagues whose calendar ``employee`` may look at (the tasks data scope)."""
    if not policy.can(employee, "tasks.view"):
        return []
    qs = Employee.objects.filter(status=Employee.Status.ACTIVE).select_related("department")
    scope = policy.access_for(employee).scope("tasks")
    if not scope.all:
        qs = qs.filter(Q(pk=employee.pk) | Q(department_id__in=sorted(scope.department_ids)))
    return list(qs.order_by("department__path", "name", "id"))


def _of(qs, model, person_id):
    return qs.filter(Q(assignee_id=person_id) | _participates(model, person_id))


def calendar_items(*, employee, person, start, end) -> dict[str, Any]:
    """Tasks due and events overlapping ``[start, end)`` (aware datetimes) of ``person``
    that ``employee`` may see: two queries whatever their number. Cancelled tasks are
    left out."""
    tasks = (
        _of(task_queryset(employee=employee), Task, person.pk)
        .filter(due_at__gte=start, due_at__lt=end)
        .exclude(status=Task.Status.CANCELLED)
        .order_by("due_at", "id")
    )
    events = (
        _of(event_queryset(employee=employee), Event, person.pk)
        .filter(starts_at__lt=end, ends_at__gte=start)
        .order_by("starts_at", "id")
    )
    return {"tasks": list(tasks), "events": list(events)}


def day_bounds(day: datetime.date):
    """``[start, end)`` of a local calendar day as aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


MY_TASK_TABS = ("today", "overdue", "upcoming", "done")


def my_tasks(*, employee, tab, limit=100) -> list[Task]:
    """The employee's own tasks (assigned to them or taken part in) of one tab: due
    today, overdue (open, due before today), upcoming (open, due later or undated), done
    (newest first)."""
    qs = _of(task_queryset(employee=employee), Task, employee.pk)
    start, end = day_bounds(timezone.localdate())
    open_ = qs.filter(status=Task.Status.OPEN)
    if tab == "today":
        qs = open_.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "id")
    elif tab == "overdue":
        qs = open_.filter(due_at__lt=start).order_by("due_at", "id")
    elif tab == "upcoming":
        qs = open_.filter(Q(due_at__gte=end) | Q(due_at__isnull=True)).order_by("due_at", "id")
    else:
        qs = qs.filter(status=Task.Status.DONE).order_by("-completed_at", "-id")
    return list(qs[:limit])


def today_card(*, employee) -> dict[str, Any]:
    """For the start page: my open tasks due today, my overdue ones, my events today
    (three queries)."""
    if not policy.can(employee, "tasks.view"):
        return {"can_view": False, "today": [], "overdue": [], "events": []}
    start, end = day_bounds(timezone.localdate())
    events = (
        _of(event_queryset(employee=employee), Event, employee.pk)
        .filter(starts_at__lt=end, ends_at__gte=start)
        .order_by("starts_at", "id")
    )
    return {
        "can_view": True,
        "today": my_tasks(employee=employee, tab="today", limit=TODAY_LIMIT),
        "overdue": my_tasks(employee=employee, tab="overdue", limit=TODAY_LIMIT),
        "events": list(events[:TODAY_LIMIT]),
    }


def feed_items(*, employee, start, end) -> dict[str, Any]:
    """What the employee's iCalendar feed carries: their own tasks with a due time and
    events in the window (assigned to them or taken part in)."""
    tasks = (
        _of(task_queryset(employee=employee), Task, employee.pk)
        .filter(due_at__gte=start, due_at__lt=end)
        .exclude(status=Task.Status.CANCELLED)
        .select_related(None)
        .order_by("due_at", "id")
    )
    events = (
        _of(event_queryset(employee=employee), Event, employee.pk)
        .filter(starts_at__lt=end, ends_at__gte=start)
        .select_related(None)
        .order_by("starts_at", "id")
    )
    return {"tasks": list(tasks), "events": list(events)}
