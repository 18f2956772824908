"""Reads of follow-up records and customer files, within the employee's access."""

import datetime
from typing import Any

from django.db.models import Aggregate, Exists, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONArray
from django.http import Http404
from django.utils import timezone

from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.workspace import targets
from guanxi.workspace.models import Activity, Attachment

ACTIVITY_SCOPE = {"owner": "owner", "department": "department"}  # for writes
TIMELINE_LIMIT = 20
DUE_STATES = ("overdue", "today", "upcoming")


class JSONList(Aggregate):
    """The JSON array of the values of a group (SQLite ``json_group_array``, PostgreSQL
    ``jsonb_agg``: Django reads ``jsonb`` as text for ``JSONField``, not ``json``)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _people(field, person):
    through = getattr(Activity, field).through
    rows = (
        through.objects.filter(activity_id=OuterRef("pk"))
        .values("activity_id")
        .annotate(rows=JSONList(JSONArray(f"{person}_id", f"{person}__name")))
        .values("rows")
    )
    return Subquery(rows, output_field=JSONField())


def superseded():
    """True when a later live follow-up on the same target exists: it took over the
    planned next follow-up (indexed by org, target type, target id, time)."""
    return Exists(
        Activity.objects.filter(
            target_type=OuterRef("target_type"),
            target_id=OuterRef("target_id"),
            occurred_at__gt=OuterRef("occurred_at"),
        )
    )


def with_details(queryset):
    """Follow-ups with what the timeline and the API show, in the same query: whether a
    later follow-up superseded the planned one, and the participants' ids and names."""
    return queryset.annotate(
        superseded=superseded(),
        participant_rows=_people("participants", "employee"),
        participant_contact_rows=_people("participant_contacts", "contact"),
    )


def activity_queryset(*, employee) -> QuerySet[Activity]:
    """Live follow-ups whose target the employee may see.

    A record's history is read with the record: whoever may see a customer (or a
    contact, or a registered record) sees every follow-up on it, whoever wrote it. The
    activities data scope decides whose follow-ups one may change or delete (see the
    services)."""
    if not policy.can(employee, "activities.view"):
        return Activity.objects.none()
    return with_details(
        Activity.objects.filter(targets.visible_q(employee)).select_related(
            "owner", "contact", "customer"
        )
    )


def open_followups(queryset):
    """Follow-ups whose planned next date is still open (set, not superseded)."""
    return queryset.filter(next_followup_on__isnull=False, superseded=False)


def due_filter(queryset, state, today=None):
    """Open planned follow-ups ``overdue`` (before today), due ``today``, or ``upcoming``."""
    today = today or timezone.localdate()
    queryset = open_followups(queryset)
    if state == "overdue":
        return queryset.filter(next_followup_on__lt=today)
    if state == "today":
        return queryset.filter(next_followup_on=today)
    if state == "upcoming":
        return queryset.filter(next_followup_on__gt=today)
    return queryset


def my_followups(*, employee) -> QuerySet[Activity]:
    """The employee's own follow-ups (they recorded them) on records they still see."""
    return activity_queryset(employee=employee).filter(owner_id=employee.pk)


def followups_due(employee, limit=10) -> list[Activity]:
    """My planned follow-ups due today or overdue, the oldest date first (one query)."""
    rows = due_filter(my_followups(employee=employee), None).filter(
        next_followup_on__lte=timezone.localdate()
    )
    return attach_targets(list(rows.order_by("next_followup_on", "id")[:limit]))


def attach_targets(rows: list[Activity]) -> list[Activity]:
    """Give each follow-up ``target_record`` (None if gone), ``target_kind`` and
    ``target_link``: from its
    loaded customer/contact, else one query per other record type among the rows."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        kind = targets.get(row.target_type)
        row.target_kind = kind
        row.target_record = None
        if kind is None:
            continue
        if kind.field:
            row.target_record = getattr(row, kind.field)
        else:
            wanted.setdefault(kind.key, set()).add(row.target_id)
    found: dict[tuple[str, int], Any] = {}
    for key, ids in wanted.items():
        kind = targets.get(key)
        assert kind is not None
        for record in kind.model.objects.filter(pk__in=sorted(ids)):
            found[(key, record.pk)] = record
    for row in rows:
        if row.target_record is None and row.target_kind is not None:
            row.target_record = found.get((row.target_type, row.target_id))
        row.target_link = (
            row.target_kind.link(row.target_record) if row.target_record is not None else ""
        )
    return rows


def after_cursor(value, kind):
    """``?after=<value>.<id>`` of a keyset pager: ``(value, id)`` or ``(None, None)``;
    ``kind`` is ``"date"`` or ``"datetime"`` (ISO, the dot before the id)."""
    head, _sep, pk = (value or "").rpartition(".")
    if not (pk.isdigit() and 0 < len(pk) < 19):
        return None, None
    try:
        if kind == "date":
            return datetime.date.fromisoformat(head), int(pk)
        moment = datetime.datetime.fromisoformat(head)
    except ValueError:
        return None, None
    if timezone.is_naive(moment):
        return None, None
    return moment, int(pk)


def attachment_queryset(*, employee) -> QuerySet[Attachment]:
    """Live files of the customers the employee may see."""
    visible_customers = customer_selectors.customer_queryset(employee=employee).values("pk")
    return Attachment.objects.filter(customer_id__in=visible_customers).select_related(
        "uploaded_by", "customer"
    )


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_activity(employee, pk, *, write=False):
    """The follow-up, if ``employee`` may see it (and edit it when ``write``); else 404/403."""
    policy.require(employee, "activities.edit" if write else "activities.view")
    return _get(activity_queryset(employee=employee), pk)


def access_attachment(employee, pk, *, write=False):
    """The file, if ``employee`` may see its customer (and edit it when ``write``)."""
    policy.require(employee, "customers.edit" if write else "customers.view")
    return _get(attachment_queryset(employee=employee), pk)


def record_activities(*, employee, target, record_id, limit=None):
    """The follow-ups on a record's timeline the employee may see, newest first (one
    query): a customer's include those on its contacts."""
    qs = activity_queryset(employee=employee).filter(target.timeline_q(record_id))
    qs = qs.order_by("-occurred_at", "-id")
    return qs if limit is None else qs[:limit]


def customer_activities(*, employee, customer, limit=None):
    """The customer's follow-ups the employee may see, newest first (one query)."""
    target = targets.get("customer")
    assert target is not None
    return record_activities(employee=employee, target=target, record_id=customer.pk, limit=limit)


def customer_attachments(*, employee, customer):
    if not policy.can(employee, "customers.view"):
        return Attachment.objects.none()
    return (
        Attachment.objects.filter(customer_id=customer.pk)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )
