"""Every write to tasks and events (日程), the calendar feed and the reminders.

Permissions: "tasks.create" to make one; "tasks.edit" (or "tasks.delete") and the record
in the actor's "tasks" data scope, or made by the actor, to change (delete) it. A task's
participants may also complete and reopen it. Giving a record to someone else than the
actor needs that person in the actor's data scope; moving an existing record to another
assignee also needs "tasks.transfer". A linked record must be one the actor may see.

Each write runs in a transaction, locks the row it changes (``lock_for_update``; a
stale ``version`` is refused with 409) and is audited.
"""

import datetime
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace import targets
from guanxi.workspace.notifications.services import lazy_text, notify
from guanxi.workspace.schedule import selectors
from guanxi.workspace.schedule.models import (
    LOCATION_LENGTH,
    MAX_REMINDER_MINUTES,
    NOTES_LENGTH,
    TITLE_LENGTH,
    CalendarFeed,
    Event,
    Task,
)

COMMON_FIELDS = (
    "title", "notes", "all_day", "assignee", "customer", "contact", "target_type",
    "target_id", "reminder_minutes", "participants",
)  # fmt: skip
TASK_FIELDS = frozenset({*COMMON_FIELDS, "due_at", "priority"})
EVENT_FIELDS = frozenset({*COMMON_FIELDS, "starts_at", "ends_at", "location"})
AUDIT_COMMON = (
    "title", "notes", "all_day", "assignee", "department", "customer", "contact",
    "target_type", "target_id", "reminder_minutes", "participants",
)  # fmt: skip
TASK_AUDIT = (*AUDIT_COMMON, "due_at", "priority", "status")
EVENT_AUDIT = (*AUDIT_COMMON, "starts_at", "ends_at", "location")
MAX_PARTICIPANTS = 50
MAX_EVENT_DAYS = 366
EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
CUSTOMER_SCOPE = {"owner": "owner", "department": "department"}


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _unknown(fields, allowed):
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({f: [_("该字段不能修改。")] for f in unknown}, code="readonly")


# ---- validation ----------------------------------------------------------------------------


def _local_midnight(value):
    day = timezone.localdate(value)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _moment(value, field, errors, label):
    """An aware datetime within 1970–2100, or None (with an error when not one)."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time.min)
    if not isinstance(value, datetime.datetime):
        _add(errors, field, _("%(field)s无效。") % {"field": label})
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        _add(errors, field, _("%(field)s必须在 1970 年到 2100 年之间。") % {"field": label})
        return None
    return value


def _clean_common(item, errors):
    item.title = (item.title or "").strip()
    item.notes = (item.notes or "").strip()
    item.target_type = (item.target_type or "").strip()
    if not item.title:
        _add(errors, "title", _("请填写标题。"))
    elif len(item.title) > TITLE_LENGTH:
        _add(errors, "title", _("标题不能超过 %(n)s 字。") % {"n": TITLE_LENGTH})
    if len(item.notes) > NOTES_LENGTH:
        _add(errors, "notes", _("备注不能超过 %(n)s 字。") % {"n": NOTES_LENGTH})
    minutes = item.reminder_minutes
    if minutes is not None and (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 0 <= minutes <= MAX_REMINDER_MINUTES
    ):
        _add(
            errors,
            "reminder_minutes",
            _("提前提醒须在 0 到 %(n)s 分钟之间。") % {"n": MAX_REMINDER_MINUTES},
        )


def _clean_task(task, errors):
    _clean_common(task, errors)
    task.due_at = _moment(task.due_at, "due_at", errors, _("截止时间"))
    if task.all_day and task.due_at is not None:
        task.due_at = _local_midnight(task.due_at)
    if task.priority not in Task.Priority.values:
        _add(errors, "priority", _("“%(value)s”不是有效的优先级。") % {"value": task.priority})
    if task.reminder_minutes is not None and task.due_at is None and "due_at" not in errors:
        _add(errors, "reminder_minutes", _("没有截止时间的任务不能设置提醒。"))


def _clean_event(event, errors):
    _clean_common(event, errors)
    event.location = (event.location or "").strip()
    if len(event.location) > LOCATION_LENGTH:
        _add(errors, "location", _("地点不能超过 %(n)s 字。") % {"n": LOCATION_LENGTH})
    starts = _moment(event.starts_at, "starts_at", errors, _("开始时间"))
    ends = _moment(event.ends_at, "ends_at", errors, _("结束时间"))
    if event.starts_at is None and "starts_at" not in errors:
        _add(errors, "starts_at", _("请填写开始时间。"))
    if starts is None:
        return
    if ends is None and "ends_at" not in errors:
        ends = starts + datetime.timedelta(hours=1)
    if ends is None:
        return
    if event.all_day:
        # whole days: from the first day's midnight to the midnight after the last day
        first = _local_midnight(starts)
        last = _local_midnight(ends)
        if last < ends or last <= first:
            last = _local_midnight(max(ends, first) + datetime.timedelta(days=1))
        starts, ends = first, last
    elif ends <= starts:
        _add(errors, "ends_at", _("结束时间必须晚于开始时间。"))
    if ends - starts > datetime.timedelta(days=MAX_EVENT_DAYS):
        _add(errors, "ends_at", _("一个日程不能超过 %(n)s 天。") % {"n": MAX_EVENT_DAYS})
    event.starts_at, event.ends_at = starts, ends


def _employee(actor, value, field, errors):
    """An active employee of the actor's org (an Employee or an id), or None."""
    if value is None or value == "":
        return None
    pk = getattr(value, "pk", value)
    try:
        employee = Employee.objects.filter(pk=int(pk), status=Employee.Status.ACTIVE).first()
    except (TypeError, ValueError, OverflowError):
        employee = None
    if employee is None or employee.org_id != actor.org_id:
        _add(errors, field, _("请选择本组织在职的员工。"))
        return None
    return employee


def _in_scope(actor, employee):
    if employee.pk == actor.pk:
        return True
    scope = policy.access_for(actor).scope("tasks")
    return scope.all or employee.department_id in scope.department_ids


def _check_assignee(actor, item, assignee, errors, *, moving):
    if assignee is None:
        _add(errors, "assignee", _("请选择负责人。"))
        return
    if not _in_scope(actor, assignee):
        _add(errors, "assignee", _("只能安排给您的数据范围内的员工。"))
        return
    if moving and assignee.pk != item.assignee_id and not policy.can(actor, "tasks.transfer"):
        _add(errors, "assignee", _("您没有转移任务日程的权限。"))
        return
    item.assignee = assignee
    item.department_id = assignee.department_id


def _participants(actor, values, errors):
    people = []
    seen = set()
    for value in values or []:
        person = _employee(actor, value, "participants", errors)
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            people.append(person)
    if len(people) > MAX_PARTICIPANTS:
        _add(errors, "participants", _("参与人不能超过 %(n)s 位。") % {"n": MAX_PARTICIPANTS})
    return people


def _check_target(actor, item, errors):
    """A generic linked record (``target_type`` + ``target_id``, a type registered in
    ``workspace.targets``): one the actor may see. A customer or contact given this way
    goes to its own field; another record brings its customer along."""
    if bool(item.target_type) != (item.target_id is not None):
        _add(errors, "target_type", _("关联记录的类型和编号须同时填写。"))
        return
    if not item.target_type:
        return
    target, record, problem = targets.find(actor, item.target_type, item.target_id)
    if problem == "type":
        _add(errors, "target_type", _("不支持关联这种记录。"))
        return
    if problem:
        _add(errors, "target_id", _("关联的记录不存在或您无权查看。"))
        return
    if target.field in ("customer", "contact"):
        setattr(item, target.field, record)
        item.target_type, item.target_id = "", None
    elif item.customer is None and item.contact is None:
        customer_id = target.customer(record)
        if customer_id is not None:
            item.customer = Customer.objects.filter(pk=customer_id).first()


def _check_link(actor, item, errors):
    """The linked customer/contact/record must be one the actor may see."""
    _check_target(actor, item, errors)
    customer, contact = item.customer, item.contact
    if contact is not None:
        if contact.org_id != actor.org_id or contact.deleted_at is not None:
            _add(errors, "contact", _("引用的记录不属于本组织。"))
            return
        if customer is None:
            customer = item.customer = contact.customer
        elif contact.customer_id != customer.pk:
            _add(errors, "contact", _("联系人必须是该客户的联系人。"))
            return
        if not policy.can(actor, "contacts.view"):
            _add(errors, "contact", _("您无权查看该联系人。"))
    if customer is not None:
        if customer.org_id != actor.org_id or customer.deleted_at is not None:
            _add(errors, "customer", _("引用的记录不属于本组织。"))
        elif not policy.can_see_record(actor, "customers", customer, **CUSTOMER_SCOPE):
            _add(errors, "customer", _("您无权查看该客户。"))


def _schedule_reminder(item):
    """Work out when the reminder is due; a new time arms it again."""
    when = item.due_at if isinstance(item, Task) else item.starts_at
    active = not isinstance(item, Task) or item.status == Task.Status.OPEN
    remind_at = None
    if when is not None and item.reminder_minutes is not None and active:
        remind_at = when - datetime.timedelta(minutes=item.reminder_minutes)
    if remind_at != item.remind_at:
        item.remind_at = remind_at
        item.reminded_at = None


def _raise(errors):
    if errors:
        raise ValidationError(errors)


# ---- create / edit -------------------------------------------------------------------------


def _apply(actor, item, fields, *, creating):
    """Set ``fields`` on ``item``, validate, and return the participants to store (or None
    when unchanged). Raises ValidationError with every problem at once."""
    errors: dict[str, list] = {}
    people = None
    link_changed = creating
    for field, value in fields.items():
        if field == "participants":
            people = _participants(actor, value, errors)
        elif field == "assignee":
            continue
        else:
            if field in ("customer", "contact", "target_type", "target_id"):
                link_changed = True
            if value is None and field in ("title", "notes", "location", "target_type"):
                value = ""
            if value is None and field == "all_day":
                value = False
            if value is None and field == "priority":
                value = Task.Priority.NORMAL
            setattr(item, field, value)
    if creating or "assignee" in fields:
        assignee = (
            _employee(actor, fields["assignee"], "assignee", errors)
            if fields.get("assignee") is not None
            else (actor if creating else None)
        )
        if "assignee" not in errors:
            _check_assignee(actor, item, assignee, errors, moving=not creating)
    if link_changed:
        _check_link(actor, item, errors)
    (_clean_task if isinstance(item, Task) else _clean_event)(item, errors)
    _raise(errors)
    _schedule_reminder(item)
    return people


def _create(model, audit_fields, *, actor, fields):
    policy.require(actor, "tasks.create")
    item = model(org_id=actor.org_id, created_by=actor)
    people = _apply(actor, item, fields, creating=True)
    item.save()
    if people:
        item.participants.set(people)
    audit.record_change(
        actor=actor,
        instance=item,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(item, audit_fields),
    )
    return item


def _locked(model, item, *, actor, version=None, code="tasks.edit", participants_too=False):
    policy.require(actor, code)
    locked = lock_for_update(model, item.pk, expected_version=version)
    visible = model.objects.filter(pk=locked.pk)
    if not selectors._visible(model, actor).filter(pk=locked.pk).exists():
        raise Http404
    allowed = selectors.can_change(actor, locked) or (
        participants_too and visible.filter(participants=actor).exists()
    )
    if not allowed:
        raise PermissionDenied(_("只有负责人（或其数据范围内的同事）和创建人可以修改。"))
    return locked


def _update(model, audit_fields, *, actor, item, version, fields):
    item = _locked(model, item, actor=actor, version=version)
    before = audit.snapshot(item, audit_fields)
    people = _apply(actor, item, fields, creating=False)
    if people is not None:
        item.participants.set(people)
    audit.save_if_changed(
        actor=actor, instance=item, before=before, after=audit.snapshot(item, audit_fields)
    )
    return item


def _delete(model, audit_fields, *, actor, item):
    item = _locked(model, item, actor=actor, code="tasks.delete")
    audit.record_change(
        actor=actor,
        instance=item,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(item, audit_fields),
    )
    item.delete()


@transaction.atomic
def task_create(*, actor, title, **fields) -> Task:
    """A task for the actor (or for ``assignee``, someone in the actor's data scope)."""
    _unknown(fields, TASK_FIELDS)
    return _create(Task, TASK_AUDIT, actor=actor, fields={"title": title, **fields})


@transaction.atomic
def task_update(*, actor, task, version=None, **fields) -> Task:
    """Edit a task; ``version`` is the one the editor loaded (a stale one: 409)."""
    _unknown(fields, TASK_FIELDS)
    return _update(Task, TASK_AUDIT, actor=actor, item=task, version=version, fields=fields)


@transaction.atomic
def task_delete(*, actor, task) -> None:
    _delete(Task, TASK_AUDIT, actor=actor, item=task)


def _set_status(*, actor, task, status, version=None, allowed_from):
    task = _locked(Task, task, actor=actor, version=version, participants_too=True)
    if task.status not in allowed_from:
        raise ValidationError(
            {"status": [_("任务当前为“%(status)s”。") % {"status": task.get_status_display()}]},
            code="invalid_status",
        )
    before = audit.snapshot(task, TASK_AUDIT)
    task.status = status
    task.completed_at = timezone.now() if status == Task.Status.DONE else None
    _schedule_reminder(task)
    audit.save_if_changed(
        actor=actor, instance=task, before=before, after=audit.snapshot(task, TASK_AUDIT)
    )
    return task


@transaction.atomic
def task_complete(*, actor, task, version=None) -> Task:
    """Mark an open task done (its assignee's scope, its creator or a participant)."""
    return _set_status(
        actor=actor, task=task, status=Task.Status.DONE, version=version,
        allowed_from={Task.Status.OPEN},
    )  # fmt: skip


@transaction.atomic
def task_reopen(*, actor, task, version=None) -> Task:
    """A done or cancelled task becomes open again (its reminder is armed again if due)."""
    return _set_status(
        actor=actor, task=task, status=Task.Status.OPEN, version=version,
        allowed_from={Task.Status.DONE, Task.Status.CANCELLED},
    )  # fmt: skip


@transaction.atomic
def task_cancel(*, actor, task, version=None) -> Task:
    return _set_status(
        actor=actor, task=task, status=Task.Status.CANCELLED, version=version,
        allowed_from={Task.Status.OPEN},
    )  # fmt: skip


@transaction.atomic
def event_create(*, actor, title, starts_at, **fields) -> Event:
    """An event of the actor (or of ``assignee``, the organizer); ``ends_at`` defaults to
    an hour after the start; an all-day event covers whole local days."""
    _unknown(fields, EVENT_FIELDS)
    return _create(
        Event, EVENT_AUDIT, actor=actor, fields={"title": title, "starts_at": starts_at, **fields}
    )


@transaction.atomic
def event_update(*, actor, event, version=None, **fields) -> Event:
    _unknown(fields, EVENT_FIELDS)
    return _update(Event, EVENT_AUDIT, actor=actor, item=event, version=version, fields=fields)


@transaction.atomic
def event_delete(*, actor, event) -> None:
    _delete(Event, EVENT_AUDIT, actor=actor, item=event)


@transaction.atomic
def reschedule(*, actor, item, starts_at=None, due_at=None, version=None):
    """Move a task (``due_at``) or an event (``starts_at``, keeping its length) — what
    dragging it on the calendar does. Audited like any edit; a stale ``version``: 409."""
    if isinstance(item, Task):
        if due_at is None:
            raise ValidationError({"due_at": [_("请填写截止时间。")]}, code="required")
        return _update(
            Task, TASK_AUDIT, actor=actor, item=item, version=version, fields={"due_at": due_at}
        )
    if isinstance(item, Event):
        if starts_at is None:
            raise ValidationError({"starts_at": [_("请填写开始时间。")]}, code="required")
        errors: dict[str, list] = {}
        moved = _moment(starts_at, "starts_at", errors, _("开始时间"))
        _raise(errors)
        current = Event.objects.filter(pk=item.pk).values("starts_at", "ends_at").first()
        if current is None:
            raise Http404
        length = current["ends_at"] - current["starts_at"]
        return _update(
            Event, EVENT_AUDIT, actor=actor, item=item, version=version,
            fields={"starts_at": moved, "ends_at": moved + length if moved else None},
        )  # fmt: skip
    raise TypeError("reschedule() takes a Task or an Event")


# ---- calendar feed -------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def feed_regenerate(*, actor) -> str:
    """A new secret feed address token for the actor (``<org id>-<secret>``, 43 random
    URL-safe characters); the previous one stops working. Only its hash is stored."""
    policy.require(actor, "tasks.view")
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.select_for_update().filter(employee=actor).first()
    if feed is None:
        feed = CalendarFeed(org_id=actor.org_id, employee=actor)
    feed.token_hash = _digest(secret)
    feed.last_used_at = None
    feed.save()
    # the log says that a new address was made, never the address
    audit.record_change(
        actor=actor, instance=feed, action=ChangeRecord.Action.CREATE, after={"feed": "new"}
    )
    return f"{actor.org_id}-{secret}"


@transaction.atomic
def feed_revoke(*, actor) -> bool:
    """Stop the actor's feed address; True if there was one."""
    deleted, _rows = CalendarFeed.objects.filter(employee=actor).delete()
    return bool(deleted)


def feed_employee(token: str) -> Employee | None:
    """The active employee whose feed ``token`` names, or None. Opens no scope itself:
    the caller reads the feed inside ``org_scope(employee.org_id)``."""
    org_part, sep, secret = (token or "").partition("-")
    if not sep or not org_part.isdigit() or len(org_part) > 18 or not 20 <= len(secret) <= 100:
        return None
    digest = _digest(secret)
    with org_scope(int(org_part)):
        feed = (
            CalendarFeed.objects.filter(token_hash=digest)
            .select_related("employee__org", "employee__user")
            .first()
        )
        if feed is None or not hmac.compare_digest(feed.token_hash, digest):
            return None
        employee = feed.employee
        if not (employee.is_active and employee.user.is_active and employee.org.is_active):
            return None
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return employee


def feed_exists(employee) -> bool:
    return CalendarFeed.objects.filter(employee=employee).exists()


# ---- reminders -----------------------------------------------------------------------------


def due_reminders(*, org, now=None) -> list[tuple[Any, list[int]]]:
    """Claim the reminders of ``org`` that have come (each exactly once, even with
    several workers: a conditional update marks it sent) and return them with the ids of
    the people to tell (assignee and participants)."""
    now = now or timezone.now()
    claimed: list[tuple[Any, list[int]]] = []
    with org_scope(org):
        for model in (Task, Event):
            due = model.objects.filter(remind_at__lte=now, reminded_at__isnull=True)
            if model is Task:
                due = due.filter(status=Task.Status.OPEN)
            for item in due.order_by("remind_at", "id")[:500]:
                won = model.objects.filter(pk=item.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                )
                if not won:
                    continue
                people = set(item.participants.values_list("pk", flat=True))
                if item.assignee_id:
                    people.add(item.assignee_id)
                claimed.append((item, sorted(people)))
    return claimed


def active_org_ids() -> list[int]:
    from guanxi.orgs.models import Organization

    with all_orgs():
        return list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))


def reminders_send(*, org, now=None) -> int:
    """Send the reminders of ``org`` whose time has come (kind ``task_due``) to each item's
    assignee and participants: once per item and reminder time (the claim above, and the
    notification's ``event_key``). Claim and notifications commit together, so a failure
    leaves the reminders for the next scan. Returns how many items were reminded."""
    sent = 0
    with org_scope(org), transaction.atomic():
        for item, people in due_reminders(org=org, now=now):
            is_task = isinstance(item, Task)
            kind = "task" if is_task else "event"
            when = item.due_at if is_task else item.starts_at
            local = timezone.localtime(when)
            title = lazy_text(
                gettext_lazy("任务到期：%(title)s")
                if is_task
                else gettext_lazy("日程提醒：%(title)s"),
                title=item.title,
            )
            body = lazy_text(
                "%(when)s%(where)s",
                when=gettext_lazy("全天") if item.all_day else local.strftime("%Y-%m-%d %H:%M"),
                where=f" · {item.location}" if not is_task and item.location else "",
            )
            query = urlencode({"view": "day", "at": local.date().isoformat()})
            notify(
                recipients=people,
                kind="task_due",
                title=title,
                body=body,
                link=f"{reverse('schedule:calendar')}?{query}",
                target=item,
                event_key=f"{kind}:{item.pk}:{item.remind_at.isoformat()}",
            )
            sent += 1
    return sent


# ---- what a customer merge and a handover move (registered in ``panels``) ------------------


def count_linked(customer_ids) -> int:
    """Tasks and events linked to these customers (the merge preview)."""
    ids = list(customer_ids)
    return (
        Task.objects.filter(customer_id__in=ids).count()
        + Event.objects.filter(customer_id__in=ids).count()
    )


def move_linked(from_ids, survivor, actor) -> int:
    """Tasks and events of merged-away customers follow them to the survivor (the merge's
    transaction and audit cover it)."""
    ids = list(from_ids)
    return Task.objects.filter(customer_id__in=ids).update(customer=survivor) + (
        Event.objects.filter(customer_id__in=ids).update(customer=survivor)
    )


def handover_open_items(from_employee, to_employee, customer_ids, actor) -> int:
    """When ``from_employee`` hands over (leaves): their open tasks and their events not
    yet begun go to ``to_employee`` — those linked to the chosen customers, or all of them
    when ``customer_ids`` is None. One audit entry per item, written in bulk."""
    now = timezone.now()
    querysets = [
        Task.objects.filter(assignee=from_employee, status=Task.Status.OPEN),
        Event.objects.filter(assignee=from_employee, starts_at__gte=now),
    ]
    before = {"assignee": {"id": from_employee.pk, "repr": str(from_employee)}}
    after = {"assignee": {"id": to_employee.pk, "repr": str(to_employee)}}
    moved = 0
    for queryset in querysets:
        if customer_ids is not None:
            queryset = queryset.filter(customer_id__in=list(customer_ids))
        rows = list(queryset.values_list("pk", "title", "org_id"))
        if not rows:
            continue
        queryset.model.objects.filter(pk__in=[pk for pk, _t, _o in rows]).update(
            assignee=to_employee,
            department_id=to_employee.department_id,
            version=F("version") + 1,
        )
        audit.record_changes(
            actor=actor,
            model=queryset.model,
            rows=[(org_id, pk, title, before, after) for pk, title, org_id in rows],
        )
        moved += len(rows)
    return moved
