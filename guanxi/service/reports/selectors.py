"""The service report figures, read in SQL (GROUP BY with conditional aggregates).

Definitions (``docs/decisions/service-reports.md``):

* the tickets of a period are those created in it (local dates);
* volume: tickets created; resolved: of those, the ones resolved (or closed after being
  resolved) so far; backlog: tickets still open now that were created on or before the
  period's end;
* first response time: from creation to the first public reply, over tickets that have
  one; "within 24 hours" counts the replies that kept the 24-hour reply promise;
* resolution time: from creation to resolution, over resolved tickets;
* first-contact resolution (FCR): resolved tickets never reopened that needed at most one
  public reply from an agent, out of resolved tickets;
* times are given twice: wall-clock hours (``*_hours``), and working hours
  (``*_work_hours``) counted with the org's work calendar — working days and hours,
  holidays and make-up working days, the same calendar the SLA clocks use (without their
  pauses); the SLA attainment (in working hours, with pauses while
  waiting for the customer) comes from the SLA clocks: of the period's tickets whose clock
  has stopped (resolved), the share that breached neither the first response nor the
  resolution time;
* satisfaction: the average of each ticket's latest answered survey score (1–5), over the
  period's tickets that have one.

Every figure reads tickets through ``policy.scope_queryset`` of the ``tickets`` module
(assignee as owner, team as department), so a service manager sees their team's tickets
and an agent their own. The wall-clock figures are aggregated in SQL; the working hours
need the calendar, so one more query reads the period's answered or resolved tickets'
three timestamps (and group key) and Python adds them up — never a query per ticket.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.catalog.models import Product
from guanxi.orgs import policy
from guanxi.orgs.models import Department, DictionaryEntry, Employee
from guanxi.service.routing import hours as work_hours
from guanxi.service.routing.selectors import work_calendar
from guanxi.service.tickets.models import Ticket, TicketMessage, TicketSurvey

DIMENSIONS = ("assignee", "team", "category", "product", "channel", "priority", "month")
PROMISE = datetime.timedelta(hours=24)  # the 24-hour reply promise (SPEC §5)
ONE_DAY = datetime.timedelta(days=1)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Filters:
    """What the screen and the API filter by (``forms.ReportFilterForm`` builds it)."""

    start: datetime.date
    end: datetime.date
    team: Department | None = None
    assignee: Employee | None = None
    category: str = ""
    product: Product | None = None
    channel: str = ""
    priority: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def local_bounds(start: datetime.date, end: datetime.date):
    """``[start 00:00, the day after end 00:00)`` as aware datetimes in the local zone."""
    zone = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + ONE_DAY, datetime.time.min, tzinfo=zone)
    return low, high


def _narrowed(queryset: QuerySet, filters: Filters) -> QuerySet:
    if filters.team is not None:
        queryset = queryset.filter(team__path__startswith=filters.team.path)
    if filters.assignee is not None:
        queryset = queryset.filter(assignee_id=filters.assignee.pk)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.product is not None:
        queryset = queryset.filter(product_id=filters.product.pk)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    return queryset


def tickets_base(employee, filters: Filters) -> QuerySet:
    """The tickets the reader may see that match the filters, any creation date."""
    queryset = _narrowed(Ticket.objects.all(), filters)
    return policy.scope_queryset(employee, "tickets", queryset, owner="assignee", department="team")


def _since_creation(field: str):
    return ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())


def _agent_replies():
    """Public replies by agents on the ticket (a correlated count)."""
    replies = (
        TicketMessage.objects.filter(ticket=OuterRef("pk"), kind=TicketMessage.Kind.REPLY)
        .order_by()
        .values("ticket")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(replies), 0)


def _latest_score():
    """The ticket's latest answered satisfaction score (a correlated subquery)."""
    return Subquery(
        TicketSurvey.objects.filter(ticket=OuterRef("pk"), score__isnull=False)
        .order_by("-closure", "-id")
        .values("score")[:1]
    )


def _measures(low, high) -> dict[str, Any]:
    created = Q(created_at__gte=low, created_at__lt=high)
    timed = created & Q(sla__stopped_at__isnull=False)
    scored = created & Q(survey_score__isnull=False)
    resolved = created & Q(resolved_at__isnull=False)
    responded = created & Q(first_response_at__isnull=False)
    return {
        "volume": Count("id", filter=created),
        "complaints": Count("id", filter=created & Q(category="complaint")),
        "resolved": Count("id", filter=resolved),
        "responded": Count("id", filter=responded),
        "response_total": Sum(_since_creation("first_response_at"), filter=responded),
        "within_promise": Count(
            "id",
            filter=responded & Q(first_response_at__lte=F("created_at") + PROMISE),
        ),
        "resolution_total": Sum(_since_creation("resolved_at"), filter=resolved),
        "first_contact": Count("id", filter=resolved & Q(reopen_count=0, agent_replies__lte=1)),
        "backlog": Count("id", filter=Q(status__in=Ticket.OPEN_STATUSES, created_at__lt=high)),
        "sla_timed": Count("id", filter=timed),
        "sla_met": Count(
            "id",
            filter=timed
            & Q(
                sla__first_response_breached_at__isnull=True,
                sla__resolution_breached_at__isnull=True,
            ),
        ),
        "surveys": Count("id", filter=scored),
        "score_total": Sum("survey_score", filter=scored),
    }


def _hours(duration, count) -> Decimal | None:
    if not count or duration is None:
        return None
    hours = Decimal(duration.total_seconds()) / Decimal(3600) / Decimal(count)
    return hours.quantize(Decimal("0.1"), ROUND_HALF_UP)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _work_times(employee, filters: Filters, group=None) -> dict[Any, dict[str, int]]:
    """Working seconds to the first response and to resolution, summed per group key
    (None without ``group``), over the period's tickets (one query)."""
    low, high = local_bounds(filters.start, filters.end)
    queryset = (
        tickets_base(employee, filters)
        .filter(created_at__gte=low, created_at__lt=high)
        .filter(Q(first_response_at__isnull=False) | Q(resolved_at__isnull=False))
    )
    fields = ["created_at", "first_response_at", "resolved_at"]
    if group is not None:
        queryset = queryset.annotate(work_group=group)
        fields.append("work_group")
    calendar = work_calendar(employee.org_id, since=filters.start - ONE_DAY)
    totals: dict[Any, dict[str, int]] = {}
    for row in queryset.values(*fields).order_by():
        total = totals.setdefault(
            row.get("work_group"), {"response": 0, "responded": 0, "resolution": 0, "resolved": 0}
        )
        if row["first_response_at"] is not None:
            total["response"] += work_hours.seconds_between(
                calendar, row["created_at"], row["first_response_at"]
            )
            total["responded"] += 1
        if row["resolved_at"] is not None:
            total["resolution"] += work_hours.seconds_between(
                calendar, row["created_at"], row["resolved_at"]
            )
            total["resolved"] += 1
    return totals


def _work_figures(total: dict[str, int] | None) -> dict[str, Decimal | None]:
    total = total or {}
    return {
        "first_response_work_hours": _seconds_hours(total.get("response"), total.get("responded")),
        "resolution_work_hours": _seconds_hours(total.get("resolution"), total.get("resolved")),
    }


def _seconds_hours(seconds, count) -> Decimal | None:
    if not count or seconds is None:
        return None
    hours = Decimal(seconds) / Decimal(3600) / Decimal(count)
    return hours.quantize(Decimal("0.1"), ROUND_HALF_UP)


def _figures(row: dict) -> dict[str, Any]:
    return {
        "volume": row["volume"] or 0,
        "complaints": row["complaints"] or 0,
        "resolved": row["resolved"] or 0,
        "backlog": row["backlog"] or 0,
        "first_response_hours": _hours(row["response_total"], row["responded"]),
        "within_promise_rate": _percent(row["within_promise"], row["responded"]),
        "resolution_hours": _hours(row["resolution_total"], row["resolved"]),
        "fcr_rate": _percent(row["first_contact"], row["resolved"]),
        "resolution_rate": _percent(row["resolved"], row["volume"]),
        "sla_rate": _percent(row["sla_met"], row["sla_timed"]),
        "satisfaction": _average(row["score_total"], row["surveys"]),
        "surveys": row["surveys"] or 0,
    }


def _average(total, count) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _annotated(employee, filters: Filters) -> QuerySet:
    """The tickets a figure can count: created in the period, or still open and created
    before its end (the backlog) — never the org's whole history."""
    low, high = local_bounds(filters.start, filters.end)
    period = Q(created_at__gte=low, created_at__lt=high)
    backlog = Q(status__in=Ticket.OPEN_STATUSES, created_at__lt=high)
    return (
        tickets_base(employee, filters)
        .filter(period | backlog)
        .annotate(agent_replies=_agent_replies(), survey_score=_latest_score())
    )


def summary(employee, filters: Filters) -> dict[str, Any]:
    """The KPI tiles (one query, and the working-hours one with its calendar)."""
    low, high = local_bounds(filters.start, filters.end)
    row = _annotated(employee, filters).aggregate(**_measures(low, high))
    work = _work_figures(_work_times(employee, filters).get(None))
    return {"start": filters.start, "end": filters.end, **_figures(row), **work}


def _grouping(by: str):
    """(group key expression, label expression or None) of a dimension."""
    if by == "assignee":
        return F("assignee_id"), F("assignee__name")
    if by == "team":
        return F("team_id"), F("team__name")
    if by == "product":
        return F("product_id"), F("product__name")
    if by == "month":
        return TruncMonth("created_at"), None
    return F(by), None  # category, channel, priority: codes, labelled below


def _labels(by: str, keys: list) -> dict:
    if by == "category":
        entries = DictionaryEntry.objects.filter(kind="ticket_category", code__in=keys)
        return {entry.code: entry.display_label for entry in entries}
    if by == "channel":
        return dict(Ticket.Channel.choices)
    if by == "priority":
        return dict(Ticket.Priority.choices)
    return {}


def breakdown(employee, filters: Filters, by: str) -> dict[str, Any]:
    """The figures per agent / team / category / product / channel / priority / month
    (the grouped figures, the dictionary labels for categories, and the working hours
    with their calendar: a fixed number of queries). Rows
    without tickets in the period (only backlog) are kept so the backlog adds up."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    low, high = local_bounds(filters.start, filters.end)
    key, label = _grouping(by)
    queryset = _annotated(employee, filters)
    if by == "month":
        queryset = queryset.filter(created_at__gte=low, created_at__lt=high)
    values = {"group": key} if label is None else {"group": key, "group_label": label}
    grouped = (
        queryset.annotate(**values).values(*values).annotate(**_measures(low, high)).order_by()
    )
    items = [item for item in grouped if item["volume"] or item["backlog"]]
    labels = _labels(by, [item["group"] for item in items])
    work = _work_times(employee, filters, key) if items else {}
    rows = []
    for item in items:
        group = item["group"]
        if by == "month":
            text = timezone.localtime(group).strftime("%Y-%m") if group else ""
        elif label is not None:
            text = item.get("group_label") or _("未分配")
        else:
            text = str(labels.get(group, group or _("未分类")))
        rows.append(
            {"key": group, "label": text, **_figures(item), **_work_figures(work.get(group))}
        )
    if by == "month":
        rows.sort(key=lambda row: row["label"])
    else:
        rows.sort(key=lambda row: (-row["volume"], -row["backlog"], row["label"]))
    return {"by": by, "rows": rows}
