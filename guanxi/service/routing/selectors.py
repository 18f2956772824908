"""Reads of routing and SLAs: setup querysets and access checks, the org's working
calendar, the agent board, a ticket's SLA for display, and the tickets about to run out
of time."""

import contextlib
import contextvars
import datetime
import zoneinfo
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Max, Q, When
from django.http import Http404
from django.utils import timezone

from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings, Role
from guanxi.orgs.selectors import dictionary_labels
from guanxi.service.routing import hours
from guanxi.service.routing.models import CalendarDay, ServiceQueue, SlaPolicy, TicketClock
from guanxi.service.tickets.models import Ticket

SETUP = "service_setup"
TICKETS = "tickets"
WORK = "tickets.edit"
OPEN = Ticket.OPEN_STATUSES
WAITING_SHOWN = 10


def queue_queryset():
    """The org's routing queues (setup records: readable with ``service_setup.view``)."""
    return (
        ServiceQueue.objects.select_related("team")
        .prefetch_related("products", "product_categories")
        .order_by("position", "pk")
    )


def sla_policy_queryset():
    return SlaPolicy.objects.select_related("escalate_employee").order_by("-active", "name", "pk")


def _access(queryset, employee, pk, write):
    policy.require(employee, f"{SETUP}.edit" if write else f"{SETUP}.view")
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_queue(employee, pk, *, write=False) -> ServiceQueue:
    """The queue, or 404 (another org's / unknown) / 403 (no ``service_setup`` right)."""
    return _access(queue_queryset(), employee, pk, write)


def access_sla_policy(employee, pk, *, write=False) -> SlaPolicy:
    """The SLA policy, or 404 / 403 as ``access_queue``."""
    return _access(sla_policy_queryset(), employee, pk, write)


# ---- the work calendar ---------------------------------------------------------------------

# how far back a calendar loads its dated days unless told: clocks run from a ticket's
# creation, and tickets wait for months at most; a report passes its period's start
CALENDAR_PAST = datetime.timedelta(days=400)
_calendars: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "work_calendars", default=None
)


def calendar_day_queryset():
    """The org's dated work calendar days (service setup: ``service_setup.view``)."""
    return CalendarDay.objects.order_by("date", "pk")


def calendar_year(year: int):
    """The calendar days of ``year``, in date order."""
    return calendar_day_queryset().filter(
        date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
    )


def access_calendar_day(employee, pk, *, write=False) -> CalendarDay:
    """The calendar day, or 404 (another org's / unknown) / 403 (no ``service_setup``)."""
    return _access(calendar_day_queryset(), employee, pk, write)


@contextlib.contextmanager
def calendar_cache() -> Iterator[None]:
    """Within the block every ``work_calendar`` of the same org and kind is loaded once
    (a request, a job run, a report). Nested blocks share the outer cache."""
    if _calendars.get() is not None:
        yield
        return
    token = _calendars.set({})
    try:
        yield
    finally:
        _calendars.reset(token)


def work_calendar(org_id, *, business_hours=True, since=None) -> hours.WorkCalendar:
    """The org's working calendar: its working days and hours (in the installation's time
    zone) with the holidays and make-up working days dated from ``since`` on (at least the
    last 400 days; the calendar is small) — one query for the settings, one for the days;
    round-the-clock when ``business_hours`` is False. Cached inside ``calendar_cache()``."""
    tz_name = settings.TIME_ZONE
    if not business_hours:
        return hours.WorkCalendar.always(zoneinfo.ZoneInfo(tz_name))
    recent = timezone.localdate() - CALENDAR_PAST
    since = min(since, recent) if since else recent
    cache = _calendars.get()
    if cache is not None:
        cached = cache.get(org_id)
        if cached is not None and cached[0] <= since:
            return cached[1]
    calendar = _load_calendar(org_id, tz_name, since)
    if cache is not None:
        cache[org_id] = (since, calendar)
    return calendar


def _load_calendar(org_id, tz_name, since) -> hours.WorkCalendar:
    found = (
        OrgSettings.objects.filter(org_id=org_id)
        .values("work_days", "work_start", "work_end")
        .first()
    )
    row: dict[str, Any] = (
        dict(found) if found else {"work_days": [], "work_start": None, "work_end": None}
    )
    days = CalendarDay.objects.filter(org_id=org_id, date__gte=since).values_list("date", "kind")
    holidays: set[datetime.date] = set()
    extra: set[datetime.date] = set()
    for date, kind in days:
        (holidays if kind == CalendarDay.Kind.HOLIDAY else extra).add(date)
    return hours.WorkCalendar.of(
        tz_name=tz_name,
        work_days=row["work_days"],
        work_start=row["work_start"],
        work_end=row["work_end"],
        holidays=holidays,
        extra_days=extra,
    )


def ticket_queryset(*, employee):
    """Tickets ``employee`` may see (data scope: assignee as owner, team as department)."""
    return policy.scope_queryset(
        employee, TICKETS, Ticket.objects.all(), owner="assignee", department="team"
    )


# ---- agents --------------------------------------------------------------------------------


def working_role_ids() -> list[int]:
    """Roles of the current org that let their holders work tickets (an admin role, or
    ``tickets.edit``): a prefilter of agents; ``policy.can`` has the last word when
    routing picks one."""
    return [
        role.pk
        for role in Role.objects.only("pk", "is_admin", "permissions")
        if role.is_admin or WORK in (role.permissions or ())
    ]


def load_of(agent_ids) -> dict[int, dict[str, Any]]:
    """``{agent id: {"open": open tickets assigned, "last": last assignment time}}`` (one
    query)."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(agent_ids))
        .values("assignee_id")
        .annotate(open=Count("pk", filter=Q(status__in=OPEN)), last=Max("assigned_at"))
        .order_by()
    )
    return {row["assignee_id"]: dict(row) for row in rows}


def _idle_seconds(agent, last, now):
    if agent.service_status != Employee.ServiceStatus.ONLINE:
        return None
    moments = [moment for moment in (last, agent.service_status_at) if moment]
    return int((now - max(moments)).total_seconds()) if moments else None


def agent_rows(*, root_path: str, now=None) -> list[dict[str, Any]]:
    """The agents under the department ``root_path`` who may work tickets, with status,
    skills (labels), open load and idle seconds (three queries)."""
    now = now or timezone.now()
    agents = list(
        Employee.objects.filter(
            status=Employee.Status.ACTIVE,
            department__path__startswith=root_path,
            roles__in=working_role_ids(),
        )
        .select_related("department")
        .distinct()
        .order_by("department__path", "name", "pk")
    )
    loads = load_of([agent.pk for agent in agents])
    skills = dictionary_labels(kinds=["skill"])["skill"]
    rows = []
    for agent in agents:
        row = loads.get(agent.pk, {})
        rows.append(
            {
                "agent": agent,
                "id": agent.pk,
                "name": agent.name,
                "department": agent.department.name,
                "service_status": agent.service_status,
                "service_status_label": agent.get_service_status_display(),
                "service_status_at": agent.service_status_at,
                "skills": list(agent.skills or []),
                "skill_labels": [skills.get(code, code) for code in agent.skills or []],
                "open_load": int(row.get("open") or 0),
                "last_assigned_at": row.get("last"),
                "idle_seconds": _idle_seconds(agent, row.get("last"), now),
            }
        )
    return rows


def board_root(employee):
    """The part of the org the board shows: the employee's department subtree."""
    return employee.department.path


def board_queues(*, employee) -> list[dict[str, Any]]:
    """The queues of the board's teams (a team under the employee's department, or above
    it) with how many tickets wait in each and the first waiting ones the employee may
    see (two queries)."""
    path = board_root(employee)
    queues = list(
        ServiceQueue.objects.filter(active=True)
        .select_related("team")
        .annotate(
            waiting=Count(
                "routes",
                filter=Q(
                    routes__ticket__status=Ticket.Status.NEW,
                    routes__ticket__assignee__isnull=True,
                    routes__ticket__deleted_at__isnull=True,
                ),
            )
        )
        .order_by("position", "pk")
    )
    queues = [
        queue
        for queue in queues
        if queue.team.path.startswith(path) or path.startswith(queue.team.path)
    ]
    waiting: dict[int, list] = {queue.pk: [] for queue in queues}
    if queues:
        tickets = (
            ticket_queryset(employee=employee)
            .filter(
                status=Ticket.Status.NEW,
                assignee__isnull=True,
                route__queue__in=[queue.pk for queue in queues],
            )
            .select_related("customer", "route")
            .order_by("route__waiting_since", "pk")[: WAITING_SHOWN * len(queues)]
        )
        for ticket in tickets:
            shown = waiting[ticket.route.queue_id]
            if len(shown) < WAITING_SHOWN:
                shown.append(ticket)
    return [
        {"queue": queue, "waiting": queue.waiting, "tickets": waiting[queue.pk]} for queue in queues
    ]


# ---- SLA for display -----------------------------------------------------------------------


def _part(due, done_at, breached_at, warned_at, now, *, running):
    remaining = None
    if done_at is None and running:
        remaining = int((due - now).total_seconds())
    state = "ok"
    if done_at is not None:
        state = "late" if breached_at else "met"
    elif breached_at or (running and due <= now):
        state = "breached"
    elif warned_at:
        state = "warning"
    return {
        "due": due,
        "done_at": done_at,
        "breached": bool(breached_at) or state == "breached",
        "breached_at": breached_at,
        "warned": bool(warned_at),
        "remaining_seconds": remaining,
        "state": state,
    }


def sla_for_ticket(ticket, *, now=None) -> dict[str, Any] | None:
    """``ticket``'s SLA for display: source label, first response and resolution (due,
    done, remaining seconds, state ok | warning | breached | met | late), paused, stopped,
    breached, escalation level; None without a clock. Reads ``ticket.sla`` (one query
    unless already loaded)."""
    try:
        clock = ticket.sla
    except TicketClock.DoesNotExist:
        return None
    now = now or timezone.now()
    running = clock.stopped_at is None and clock.paused_at is None
    first = _part(
        clock.first_response_due_at,
        clock.first_response_at,
        clock.first_response_breached_at,
        clock.first_response_warned_at,
        now,
        running=running,
    )
    resolution = _part(
        clock.resolution_due_at,
        clock.stopped_at,
        clock.resolution_breached_at,
        clock.resolution_warned_at,
        now,
        running=running,
    )
    if clock.stopped_at is not None:
        resolution["state"] = "late" if clock.resolution_breached_at else "met"
    return {
        "label": clock.label,
        "first_response": first,
        "resolution": resolution,
        "paused": clock.paused_at is not None,
        "paused_at": clock.paused_at,
        "paused_seconds": clock.paused_seconds,
        "stopped": clock.stopped_at is not None,
        "breached": first["breached"] or resolution["breached"],
        "escalation_level": clock.escalation_level,
        "cycle": clock.cycle,
    }


def breaches_near(*, employee, within_minutes=60, limit=8, now=None) -> list[dict[str, Any]]:
    """The employee's own open tickets whose next due time (first response while none
    was given, else resolution) is within ``within_minutes`` or already past, soonest
    first (one query; empty without ``tickets.view``)."""
    if not policy.can(employee, f"{TICKETS}.view"):
        return []
    now = now or timezone.now()
    limit_at = now + datetime.timedelta(minutes=within_minutes)
    next_due = Case(
        When(
            Q(first_response_at__isnull=True) & Q(first_response_due_at__lt=F("resolution_due_at")),
            then=F("first_response_due_at"),
        ),
        default=F("resolution_due_at"),
    )
    clocks = (
        TicketClock.objects.filter(
            ticket__assignee_id=employee.pk,
            ticket__status__in=OPEN,
            ticket__deleted_at__isnull=True,
            stopped_at__isnull=True,
            paused_at__isnull=True,
        )
        .annotate(next_due=next_due)
        .filter(next_due__lte=limit_at)
        .select_related("ticket__customer")
        .order_by("next_due", "pk")[:limit]
    )
    rows = []
    for clock in clocks:
        which = (
            "first"
            if clock.first_response_at is None and clock.next_due == clock.first_response_due_at
            else "resolution"
        )
        rows.append(
            {
                "ticket": clock.ticket,
                "which": which,
                "due": clock.next_due,
                "remaining_seconds": int((clock.next_due - now).total_seconds()),
                "overdue": clock.next_due <= now,
            }
        )
    return rows
