"""Customer care (客户关怀): birthday and anniversary reminders, care tasks, care history.

* Upcoming days: contacts' birthdays and customers' cooperation anniversaries
  (the yearly return of ``registered_on``) from today to ``birthday_reminder_days``
  days ahead, over the records the employee sees by data scope. Found through the
  indexed month-day columns (``birthday_md``, ``anniversary_md``), so the year's
  turn (Dec 30 → Jan 2) is just a set of month-days; a Feb 29 birthday is kept on
  Feb 28 in other years.
* Care tasks: made by hand, in batches (holiday greetings for chosen customers),
  or each day for the coming birthdays and anniversaries (one task per contact or
  customer and day, whatever how often the daily run repeats). Done tasks are the
  customer's care history. Care tasks follow the customers data scope through
  their assignee and the assignee's department.
"""

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, F, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.customers import selectors
from guanxi.customers.models import CareTask, Contact, Customer, month_day
from guanxi.orgs import policy
from guanxi.orgs.models import OrgSettings

Kind = CareTask.Kind
Status = CareTask.Status
TITLE_LENGTH = 200
NOTE_LENGTH = 500
HOLIDAY_MAX = 5000
UPCOMING_LIMIT = 100
_DAYS_ATTR = "_guanxi_care_days"


def reminder_days(employee):
    """The org's ``birthday_reminder_days``, read from the database once per request
    (kept on the employee object, which lives as long as the request). Not cached
    across requests: the read is one lookup of the org's settings row by its unique
    key, and a shared cache would show a changed parameter late (a request that read
    the old value just before the change committed would put it back)."""
    days = getattr(employee, _DAYS_ATTR, None)
    if days is None:
        days = (
            OrgSettings.objects.filter(org_id=employee.org_id)
            .values_list("birthday_reminder_days", flat=True)
            .first()
        )
        days = 3 if days is None else days
        setattr(employee, _DAYS_ATTR, days)
    return days


def window(today, days):
    """``{month-day: date}`` for every day from ``today`` to ``today + days``. In a
    year without Feb 29, Feb 28 also stands for 0229."""
    dates: dict[int, datetime.date] = {}
    for offset in range(days + 1):
        day = today + datetime.timedelta(days=offset)
        dates.setdefault(month_day(day), day)
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            dates.setdefault(229, day)
    return dates


def _date(value, field, errors):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("请输入有效的日期。"))
        return None


def _text(value, field, limit, errors, *, required):
    text = (value or "").strip() if isinstance(value, str | type(None)) else str(value)
    if required and not text:
        errors.setdefault(field, []).append(_("这个字段是必填项。"))
    if len(text) > limit:
        errors.setdefault(field, []).append(_("不能超过 %(n)d 字。") % {"n": limit})
    return text


# ---- reads ---------------------------------------------------------------------------------


def care_queryset(*, employee):
    """Care tasks ``employee`` may see: the customers data scope, by assignee."""
    qs = CareTask.objects.select_related("customer", "contact", "assignee")
    return policy.scope_queryset(
        employee, "customers", qs, owner="assignee", department="assignee_department"
    )


def access_task(employee, pk):
    policy.require(employee, "customers.view")
    try:
        return care_queryset(employee=employee).get(pk=int(pk))
    except (CareTask.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def due_tasks(*, employee, today=None):
    """Open care tasks of ``employee`` due by ``today + birthday_reminder_days`` (late included)."""
    if not policy.can(employee, "customers.view"):
        return CareTask.objects.none()
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=reminder_days(employee))
    return CareTask.objects.filter(
        assignee=employee, status=Status.OPEN, due_on__lte=horizon
    ).select_related("customer", "contact")


_DUE_ATTR = "_guanxi_care_due"
DUE_LIST_MAX = 50


def due_list(*, employee, shown=8):
    """The first ``shown`` due care tasks; the count is kept for the bell (one query)."""
    tasks = list(due_tasks(employee=employee).order_by("due_on", "id")[: DUE_LIST_MAX + 1])
    if len(tasks) <= DUE_LIST_MAX:
        setattr(employee, _DUE_ATTR, len(tasks))
    return tasks[:shown]


def bell_count(employee):
    """How many care reminders the bell shows."""
    known = known_bell_count(employee)
    return due_tasks(employee=employee).count() if known is None else known


def known_bell_count(employee):
    """The bell's count if this request already has it (the start page), else None:
    other pages fetch it after loading, so they pay no query for it."""
    return getattr(employee, _DUE_ATTR, None)


def upcoming(*, employee, today=None, days=None, limit=UPCOMING_LIMIT):
    """Birthdays and anniversaries from ``today`` to ``days`` ahead (default: the org's
    reminder days) in the employee's data scope, soonest first. One query (a UNION
    of the contacts' and the customers' month-day lookups)."""
    today = today or timezone.localdate()
    days = reminder_days(employee) if days is None else max(0, min(int(days), 366))
    dates = window(today, days)
    mds = sorted(dates)
    columns = ("kind", "pk", "name", "customer_id", "customer_name", "day", "md")
    parts = []
    if policy.can(employee, "contacts.view"):
        parts.append(
            selectors.contact_queryset(employee=employee)
            .select_related(None)
            .filter(birthday_md__in=mds)
            .annotate(
                kind=Value(Kind.BIRTHDAY.value, output_field=CharField()),
                customer_name=F("customer__name"),
                day=F("birthday"),
                md=F("birthday_md"),
            )
            .order_by()
            .values_list(*columns)
        )
    if policy.can(employee, "customers.view"):
        parts.append(
            selectors.customer_queryset(employee=employee)
            .select_related(None)
            .filter(anniversary_md__in=mds)
            .annotate(
                kind=Value(Kind.ANNIVERSARY.value, output_field=CharField()),
                customer_id=F("id"),
                customer_name=F("name"),
                day=F("registered_on"),
                md=F("anniversary_md"),
            )
            .order_by()
            .values_list(*columns)
        )
    if not parts:
        return []
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    items = []
    for kind, pk, name, customer_id, customer_name, day, md in rows[: limit * 4]:
        on = dates[md]
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day[:10])
        years = on.year - day.year
        if kind == Kind.ANNIVERSARY and years < 1:
            continue
        items.append(
            {
                "kind": kind,
                "date": on,
                "days_left": (on - today).days,
                "customer_id": customer_id,
                "customer_name": customer_name,
                "contact_id": pk if kind == Kind.BIRTHDAY else None,
                "name": name,
                "years": years,
            }
        )
    items.sort(key=lambda item: (item["date"], item["kind"], item["name"]))
    return items[:limit]


def care_history(*, employee, customer):
    """Done care tasks of a customer (the care history), newest first."""
    return care_queryset(employee=employee).filter(customer=customer, status=Status.DONE)


# ---- writes --------------------------------------------------------------------------------


def _visible_customer(actor, customer):
    if customer is None:
        raise ValidationError({"customer": [_("请选择客户。")]}, code="required")
    if customer.org_id != actor.org_id or customer.deleted_at is not None:
        raise ValidationError({"customer": [_("引用的记录不属于本组织。")]})
    if not policy.can_see_record(actor, "customers", customer, department="department"):
        raise ValidationError({"customer": [_("您无权查看该客户。")]}, code="not_visible")


@transaction.atomic
def care_task_create(
    *, actor, customer, title, due_on, kind=Kind.CUSTOM, contact=None, assignee=None, note=""
):
    """A care task by hand. The assignee defaults to the customer's owner (or the actor)."""
    policy.require(actor, "customers.edit")
    _visible_customer(actor, customer)
    errors: dict[str, list] = {}
    title = _text(title, "title", TITLE_LENGTH, errors, required=True)
    note = _text(note, "note", NOTE_LENGTH, errors, required=False)
    due_on = _date(due_on, "due_on", errors)
    if kind not in Kind.values:
        errors.setdefault("kind", []).append(_("“%(code)s”不是有效的选项。") % {"code": kind})
    if contact is not None and contact.customer_id != customer.pk:
        errors.setdefault("contact", []).append(_("联系人必须属于所选客户。"))
    assignee = assignee or customer.owner or actor
    if assignee.org_id != actor.org_id or not assignee.is_active:
        errors.setdefault("assignee", []).append(_("执行人必须是本组织的在职员工。"))
    if errors:
        raise ValidationError(errors)
    if kind in (Kind.BIRTHDAY, Kind.ANNIVERSARY) and _duplicate(customer, contact, kind, due_on):
        raise BusinessRuleError(_("这一天已有同样的关怀任务。"), code="duplicate")
    return CareTask.objects.create(
        org_id=actor.org_id,
        customer=customer,
        contact=contact,
        kind=kind,
        title=title,
        due_on=due_on,
        assignee=assignee,
        assignee_department_id=assignee.department_id,
        note=note,
        created_by=actor,
    )


def _duplicate(customer, contact, kind, due_on):
    existing = CareTask.objects.filter(kind=kind, due_on=due_on)
    if kind == Kind.BIRTHDAY:
        return contact is not None and existing.filter(contact=contact).exists()
    return existing.filter(customer=customer).exists()


def _locked_open(actor, task):
    policy.require(actor, "customers.view")
    task = CareTask.objects.select_for_update().filter(pk=task.pk).first()
    if task is None or not care_queryset(employee=actor).filter(pk=task.pk).exists():
        raise Http404
    if task.assignee_id != actor.pk and not policy.can(actor, "customers.edit"):
        raise PermissionDenied(_("只有执行人或有编辑权限的人可以处理该关怀任务。"))
    if task.status != Status.OPEN:
        raise BusinessRuleError(_("该关怀任务已完成或已取消。"), code="closed")
    return task


@transaction.atomic
def care_task_complete(*, actor, task, note=""):
    """Mark done, with what was done (gift, call…): it joins the care history."""
    task = _locked_open(actor, task)
    errors: dict[str, list] = {}
    note = _text(note, "note", NOTE_LENGTH, errors, required=False)
    if errors:
        raise ValidationError(errors)
    task.status = Status.DONE
    task.done_at = timezone.now()
    task.note = note or task.note
    task.save(update_fields=["status", "done_at", "note", "updated_at"])
    return task


@transaction.atomic
def care_task_cancel(*, actor, task, note=""):
    task = _locked_open(actor, task)
    errors: dict[str, list] = {}
    note = _text(note, "note", NOTE_LENGTH, errors, required=False)
    if errors:
        raise ValidationError(errors)
    task.status = Status.CANCELLED
    task.note = note or task.note
    task.save(update_fields=["status", "note", "updated_at"])
    return task


@transaction.atomic
def care_task_update(*, actor, task, status=None, note=None, title=None, due_on=None):
    """Change an open task's title, date or note, or close it (``status`` done/cancelled)."""
    if status == Status.DONE:
        if title is not None or due_on is not None:
            care_task_update(actor=actor, task=task, title=title, due_on=due_on)
        return care_task_complete(actor=actor, task=task, note=note or "")
    if status == Status.CANCELLED:
        return care_task_cancel(actor=actor, task=task, note=note or "")
    if status not in (None, Status.OPEN):
        raise ValidationError({"status": [_("“%(code)s”不是有效的选项。") % {"code": status}]})
    task = _locked_open(actor, task)
    errors: dict[str, list] = {}
    fields = ["updated_at"]
    if title is not None:
        task.title = _text(title, "title", TITLE_LENGTH, errors, required=True)
        fields.append("title")
    if note is not None:
        task.note = _text(note, "note", NOTE_LENGTH, errors, required=False)
        fields.append("note")
    if due_on is not None:
        task.due_on = _date(due_on, "due_on", errors)
        fields.append("due_on")
    if errors:
        raise ValidationError(errors)
    task.save(update_fields=fields)
    return task


@transaction.atomic
def care_holiday_create(*, actor, customer_ids, title, due_on):
    """Holiday greetings (节日问候): one care task per chosen customer, for its owner
    (the actor for unowned ones). Customers outside the actor's scope refuse all."""
    policy.require(actor, "customers.edit")
    errors: dict[str, list] = {}
    title = _text(title, "title", TITLE_LENGTH, errors, required=True)
    due_on = _date(due_on, "due_on", errors)
    try:
        ids = sorted({int(pk) for pk in customer_ids})
    except (TypeError, ValueError):
        ids = []
    if not ids:
        errors.setdefault("customers", []).append(_("请至少选择一个客户。"))
    elif len(ids) > HOLIDAY_MAX:
        errors.setdefault("customers", []).append(
            _("一次最多处理 %(n)d 个客户。") % {"n": HOLIDAY_MAX}
        )
    if errors:
        raise ValidationError(errors)
    customers = list(
        selectors.customer_queryset(employee=actor)
        .filter(pk__in=ids)
        .select_related(None)
        .select_related("owner")
    )
    if len(customers) != len(ids):
        raise ValidationError(
            {"customers": [_("部分客户不存在或不在您的数据权限内，未创建任何任务。")]},
            code="not_visible",
        )
    tasks = []
    for customer in customers:
        assignee = customer.owner if customer.owner and customer.owner.is_active else actor
        tasks.append(
            CareTask(
                org_id=actor.org_id,
                customer=customer,
                kind=Kind.HOLIDAY,
                title=title,
                due_on=due_on,
                assignee=assignee,
                assignee_department_id=assignee.department_id,
                created_by=actor,
            )
        )
    CareTask.objects.bulk_create(tasks, batch_size=500)
    return len(tasks)


def care_generate(*, org, today=None):
    """Create the care tasks of the birthdays and anniversaries from today to the
    org's reminder days ahead, for each record's owner. Idempotent (one task per
    contact or customer and date). Returns how many were created."""
    today = today or timezone.localdate()
    with org_scope(org), transaction.atomic():
        org_id = getattr(org, "pk", org)
        days = (
            OrgSettings.objects.filter(org_id=org_id)
            .values_list("birthday_reminder_days", flat=True)
            .first()
        )
        dates = window(today, 3 if days is None else days)
        before = CareTask.objects.count()
        tasks = []
        contacts = (
            Contact.objects.filter(birthday_md__in=sorted(dates), customer__deleted_at__isnull=True)
            .select_related("customer", "owner", "customer__owner")
            .order_by("id")
        )
        for contact in contacts.iterator(chunk_size=1000):
            owner = contact.owner or contact.customer.owner
            if owner is None or not owner.is_active:
                continue
            tasks.append(
                CareTask(
                    org_id=org_id,
                    customer=contact.customer,
                    contact=contact,
                    kind=Kind.BIRTHDAY,
                    title=_("%(name)s生日（%(customer)s）")
                    % {"name": contact.name, "customer": contact.customer.name},
                    due_on=dates[contact.birthday_md],
                    assignee=owner,
                    assignee_department_id=owner.department_id,
                )
            )
        customers = (
            Customer.objects.filter(anniversary_md__in=sorted(dates), owner__isnull=False)
            .select_related("owner")
            .order_by("id")
        )
        for customer in customers.iterator(chunk_size=1000):
            on = dates[customer.anniversary_md]
            years = on.year - customer.registered_on.year
            owner = customer.owner
            if years < 1 or owner is None or not owner.is_active:
                continue
            tasks.append(
                CareTask(
                    org_id=org_id,
                    customer=customer,
                    kind=Kind.ANNIVERSARY,
                    title=_("%(customer)s合作 %(years)d 周年")
                    % {"customer": customer.name, "years": years},
                    due_on=on,
                    assignee=owner,
                    assignee_department_id=owner.department_id,
                )
            )
        CareTask.objects.bulk_create(tasks, batch_size=500, ignore_conflicts=True)
        return CareTask.objects.count() - before
