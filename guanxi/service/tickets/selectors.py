"""Reads of service tickets: scoped querysets, the access check (module ``tickets``: the
data scope reads ``assignee`` as owner and ``team`` as department), conversation, files,
satisfaction scores, and the start-page card."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.tenancy import current_org_id
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.sales import startcards
from guanxi.search import lookup, tokens
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.tickets.filters import TicketFilter
from guanxi.service.tickets.models import Ticket, TicketAttachment, TicketMessage, TicketSurvey
from guanxi.workspace import selectors as workspace_selectors

MODULE = "tickets"
SCOPE = {"owner": "assignee", "department": "team"}
# urgent first: the priorities' codes do not sort by weight
PRIORITY_RANK = Case(
    When(priority=Ticket.Priority.URGENT, then=Value(0)),
    When(priority=Ticket.Priority.HIGH, then=Value(1)),
    When(priority=Ticket.Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def ticket_queryset(*, employee, deleted: bool = False) -> QuerySet[Ticket]:
    """Tickets ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = Ticket.with_deleted.filter(deleted_at__isnull=False) if deleted else Ticket.objects
    qs = base.select_related("customer", "contact", "assignee", "team")
    return policy.scope_queryset(employee, MODULE, qs, **SCOPE)


def access_ticket(employee, pk, *, write: bool = False, deleted: bool = False) -> Ticket:
    """The ticket if ``employee`` may see it (and edit tickets when ``write``); else 404
    (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return ticket_queryset(employee=employee, deleted=deleted).get(pk=int(pk))
    except (Ticket.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def can_see(employee, ticket) -> bool:
    return policy.can_see_record(employee, MODULE, ticket, **SCOPE)


def ticket_list(*, employee, filters=None) -> QuerySet[Ticket]:
    """The tickets ``employee`` may see narrowed by ``filters`` (the list's query
    parameters, see ``filters.TicketFilter``), newest first. Invalid filters raise a
    ValidationError naming them."""
    queryset = (
        ticket_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "assignee", "team")
        .order_by("-id")
    )
    found = TicketFilter(filters or {}, queryset=queryset, employee=employee)
    if not found.is_valid():
        raise ValidationError(found.errors, code="invalid")
    return found.qs


def customer_open_tickets(*, employee, customer_id, limit: int = 10) -> list[Ticket]:
    """A customer's open tickets ``employee`` may see, newest first (one query)."""
    return list(
        ticket_queryset(employee=employee)
        .filter(customer_id=customer_id, status__in=Ticket.OPEN_STATUSES)
        .select_related(None)
        .select_related("assignee")
        .order_by("-id")[:limit]
    )


def customer_ticket_counts(*, employee, customer_id) -> dict[str, int]:
    """``{"total", "open", "complaints"}`` of a customer's visible tickets (one query)."""
    row = (
        ticket_queryset(employee=employee)
        .select_related(None)
        .filter(customer_id=customer_id)
        .aggregate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=Ticket.OPEN_STATUSES)),
            complaints=Count("id", filter=Q(category="complaint")),
        )
    )
    return {key: row[key] or 0 for key in ("total", "open", "complaints")}


def my_open_tickets(*, employee, limit: int = 10) -> list[Ticket]:
    """The employee's own open tickets, urgent first, then oldest (one query)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return []
    return list(
        Ticket.objects.filter(assignee_id=employee.pk, status__in=Ticket.OPEN_STATUSES)
        .select_related("customer")
        .order_by(PRIORITY_RANK, "id")[:limit]
    )


def my_tickets_needing_attention(*, employee, limit: int = 8) -> dict[str, Any] | None:
    """The start page's 我的工单: the employee's open tickets by what they wait for, with
    the count of each (one query; None without ``tickets.view`` or when there is none)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    S = Ticket.Status
    reasons = [
        startcards.Reason(
            "urgent",
            _("紧急"),
            Q(priority=Ticket.Priority.URGENT, status__in=Ticket.OPEN_STATUSES),
            "danger",
        ),
        startcards.Reason("new", _("待处理"), Q(status__in=(S.NEW, S.ASSIGNED)), "warning"),
        startcards.Reason("in_progress", _("处理中"), Q(status=S.IN_PROGRESS), "info"),
        startcards.Reason("waiting", _("等待客户"), Q(status=S.WAITING), "secondary"),
    ]
    return startcards.attention(
        Ticket.objects.filter(assignee_id=employee.pk).select_related("customer"),
        reasons,
        date_field="created_at",
        url=lambda ticket: reverse("tickets:ticket_detail", args=[ticket.pk]),
        text=lambda ticket: f"{ticket.code} · {ticket.subject}",
        limit=limit,
    )


def ticket_messages(*, ticket, include_notes: bool = True) -> QuerySet[TicketMessage]:
    """The conversation, oldest first; internal notes only for employees (the portal and
    e-mails leave them out with ``include_notes=False``)."""
    # the e-mail that carried a reply out: its status shows beside the reply
    qs = TicketMessage.objects.filter(ticket_id=ticket.pk).select_related(
        "author", "contact", "outbound_mail"
    )
    if not include_notes:
        qs = qs.exclude(kind=TicketMessage.Kind.NOTE)
    return qs.order_by("id")


def ticket_attachments(*, ticket) -> QuerySet[TicketAttachment]:
    return TicketAttachment.objects.filter(ticket_id=ticket.pk).select_related("uploaded_by")


def access_attachment(employee, pk, *, write: bool = False) -> TicketAttachment:
    """A live file of a ticket ``employee`` may see (edit when ``write``); else 404/403."""
    try:
        attachment = TicketAttachment.objects.get(pk=int(pk))
    except (TicketAttachment.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    access_ticket(employee, attachment.ticket_id, write=write)
    return attachment


def ticket_to_start_from(*, employee, pk: int | None) -> Ticket | None:
    """The ticket another record (a repair, a defect…) is started from, when the employee
    may see it; None otherwise."""
    if pk is None or not policy.can(employee, f"{MODULE}.view"):
        return None
    return (
        ticket_queryset(employee=employee).select_related("installed_product").filter(pk=pk).first()
    )


def with_detail(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What the detail page and API read beside the ticket, in a fixed number of queries."""
    return queryset.select_related(
        "customer",
        "contact",
        "assignee",
        "team",
        "product",
        "installed_product",
        "created_by",
        "sla",  # the SLA clock shown beside the ticket
    ).prefetch_related(
        Prefetch(
            "attachments",
            queryset=TicketAttachment.objects.select_related("uploaded_by"),
            to_attr="live_attachments",
        )
    )


def current_survey(ticket) -> TicketSurvey | None:
    """The survey of the ticket's current closure (None before closing)."""
    if ticket.status != Ticket.Status.CLOSED:
        return None
    return TicketSurvey.objects.filter(ticket_id=ticket.pk, closure=ticket.reopen_count).first()


def agent_scores(*, employee, agent_ids=None) -> dict[int, dict[str, Any]]:
    """``{agent id: {"average", "count"}}`` of the answered surveys of the tickets
    ``employee`` may see (one query); ``agent_ids`` narrows to those agents."""
    if not policy.can(employee, f"{MODULE}.view"):
        return {}
    visible = policy.visible_q(
        employee, MODULE, owner="ticket__assignee", department="ticket__team"
    )
    qs = TicketSurvey.objects.filter(score__isnull=False, agent__isnull=False)
    if visible is not None:
        qs = qs.filter(visible)
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=list(agent_ids))
    rows = qs.values("agent_id").annotate(average=Avg("score"), count=Count("id"))
    return {
        row["agent_id"]: {"average": round(float(row["average"]), 1), "count": row["count"]}
        for row in rows
    }


# ---- the call-centre lookup ----------------------------------------------------------------

MIN_CALL_DIGITS = 5
CALL_MATCHES = 5
CALL_ROWS = 5


def normalise_number(raw: str | None) -> str:
    """The digits of a caller's number without the country code: ``+86 138-1234-5678``,
    ``008613812345678`` and ``8613812345678`` all give ``13812345678``."""
    text = (raw or "").strip()
    number = tokens.digits(text)
    if text.startswith("+86") or number.startswith("0086"):
        number = number[4:] if number.startswith("0086") else number[2:]
    elif number.startswith("86") and len(number) == 13 and number[2] == "1":
        number = number[2:]  # 86 + a mobile number of 11 digits
    return number


def call_lookup(*, employee, number: str) -> list[dict[str, Any]]:
    """Who is calling from ``number``: each visible contact whose phone is the number
    (with its customer), then each visible customer whose own phone is, at most
    ``CALL_MATCHES``; each with the customer's open tickets, installed products and
    latest follow-ups the employee may see. A fixed number of queries whatever the
    matches: two index lookups, contacts, customers, tickets, installed products and
    follow-ups. Numbers are found by their exact digits (with and without 86)."""
    digits = normalise_number(number)
    if len(digits) < MIN_CALL_DIGITS:
        return []
    org_id = current_org_id() or employee.org_id
    variants = [digits, "86" + digits]
    contact_ids = lookup.exact_ids(org_id=org_id, kind="contact", values=variants)
    customer_ids = lookup.exact_ids(org_id=org_id, kind="customer", values=variants)
    contacts = []
    if contact_ids:
        contacts = list(
            customer_selectors.contact_queryset(employee=employee)
            .select_related(None)
            .filter(pk__in=sorted(contact_ids))
            .order_by("-id")[:CALL_MATCHES]
        )
    wanted = set(customer_ids) | {c.customer_id for c in contacts}
    customers = {}
    if wanted:
        customers = {
            c.pk: c
            for c in customer_selectors.customer_queryset(employee=employee)
            .select_related(None)
            .select_related("owner")
            .filter(pk__in=sorted(wanted))
        }
    pairs: list[tuple[Any, Any]] = []
    for contact in contacts:
        if contact.customer_id in customers:
            pairs.append((customers[contact.customer_id], contact))
    paired = {customer.pk for customer, _contact in pairs}
    for pk in sorted(customer_ids, reverse=True):
        if pk in customers and pk not in paired:
            pairs.append((customers[pk], None))
    pairs = pairs[:CALL_MATCHES]
    ids = sorted({customer.pk for customer, _contact in pairs})
    if not ids:
        return []
    open_tickets: dict[int, list[Ticket]] = {pk: [] for pk in ids}
    for ticket in (
        ticket_queryset(employee=employee)
        .select_related(None)
        .select_related("assignee")
        .filter(customer_id__in=ids, status__in=Ticket.OPEN_STATUSES)
        .order_by("-id")[: CALL_ROWS * len(ids) * 4]
    ):
        tickets = open_tickets[ticket.customer_id]
        if len(tickets) < CALL_ROWS:
            tickets.append(ticket)
    installed: dict[int, list[Any]] = {pk: [] for pk in ids}
    if policy.can(employee, "installed_products.view"):
        for item in (
            InstalledProduct.objects.filter(customer_id__in=ids)
            .select_related("product")
            .order_by("-id")[: CALL_ROWS * len(ids) * 4]
        ):
            if len(installed[item.customer_id]) < CALL_ROWS:
                installed[item.customer_id].append(item)
    activities: dict[int, list[Any]] = {pk: [] for pk in ids}
    for activity in (
        workspace_selectors.activity_queryset(employee=employee)
        .filter(customer_id__in=ids)
        .order_by("-occurred_at", "-id")[: CALL_ROWS * len(ids) * 4]
    ):
        rows = activities.get(activity.customer_id or 0)
        if rows is not None and len(rows) < CALL_ROWS:
            rows.append(activity)
    return [
        {
            "customer": customer,
            "contact": contact,
            "open_tickets": open_tickets[customer.pk],
            "installed_products": installed[customer.pk],
            "recent_activities": activities[customer.pk],
        }
        for customer, contact in pairs
    ]
