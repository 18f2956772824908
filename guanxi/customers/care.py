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
* Win-back tasks (唤醒): the churn scan gives each customer it moves to dormant one,
  due the day of the scan, for the customer's owner — unassigned when the customer
  is in the pool, has no owner or its owner has left (like the pool's care tasks:
  whoever takes the customer gets it). One open win-back task per customer (a
  unique constraint): a customer that goes dormant again while the last one is
  still open gets no second one.
* Care plans (关怀计划, ``CareRule``): recurring care defined by a care manager
  (``special.manage_care``): "every 90 days for level-A customers", "a Spring
  Festival greeting for customers tagged 华东". The daily run turns each active
  plan into care tasks ``lead_days`` ahead, for each selected customer's owner:
  one task per customer, plan and date whatever how often it runs (a unique
  constraint), pool customers and customers of departed owners skipped, the
  customers selected in the database and the tasks inserted in bulk.
"""

import calendar
import datetime
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Mod
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.customers import selectors
from guanxi.customers.models import CareRule, CareTask, Contact, Customer, month_day
from guanxi.orgs import policy
from guanxi.orgs.models import DictionaryEntry, Employee, OrgSettings

Kind = CareTask.Kind
Status = CareTask.Status
ACTIVE = Employee.Status.ACTIVE
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
    if (
        kind == Kind.WINBACK
        and CareTask.objects.filter(customer=customer, kind=kind, status=Status.OPEN).exists()
    ):
        raise BusinessRuleError(_("该客户已有未完成的唤醒任务。"), code="duplicate")
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


def winback_task(*, org_id, customer_id, name, owner_id, owner_department_id, due_on):
    """An unsaved win-back care task for the customer ``customer_id`` named ``name``;
    ``owner_id`` None leaves it unassigned."""
    return CareTask(
        org_id=org_id,
        customer_id=customer_id,
        kind=Kind.WINBACK,
        title=(_("唤醒休眠客户%(customer)s") % {"customer": name})[:TITLE_LENGTH],
        due_on=due_on,
        assignee_id=owner_id,
        assignee_department_id=owner_department_id if owner_id else None,
    )


WINBACK_COLUMNS = ("pk", "org_id", "name", "owner_id", "owner__department_id", "owner__status",
                   "in_pool")  # fmt: skip


def care_winback_create(*, customers, due_on, batch_size=500):
    """The win-back tasks (唤醒) of customers that just went dormant, inserted in one
    statement per ``batch_size``; a customer that already has an open one gets no
    second one (the unique constraint; the insert skips it). ``customers``: rows of
    ``WINBACK_COLUMNS``. The caller holds the transaction (the churn scan's batch)."""
    tasks = [
        winback_task(
            org_id=org_id,
            customer_id=pk,
            name=name,
            owner_id=owner_id if owner_status == ACTIVE and not in_pool else None,
            owner_department_id=department_id,
            due_on=due_on,
        )
        for pk, org_id, name, owner_id, department_id, owner_status, in_pool in customers
    ]
    CareTask.objects.bulk_create(tasks, batch_size=batch_size, ignore_conflicts=True)


# ---- care plans (关怀计划) -------------------------------------------------------------------

RuleKind = CareRule.Kind
MANAGE_CARE = "special.manage_care"
RULE_FIELDS = (
    "name", "kind", "task_title", "interval_days", "starts_on", "holiday_on", "yearly",
    "lead_days", "levels", "value_tiers", "stages", "tags",
)  # fmt: skip
RULE_NAME_LENGTH = 100
INTERVAL_MAX = 3650
LEAD_MAX = 60
SELECTION_MAX = 50
LEVEL_KIND = "customer_level"
RULE_BATCH = 1000


def care_rule_queryset(*, employee):
    """The org's care plans: readable by everyone who sees customers."""
    policy.require(employee, "customers.view")
    return CareRule.objects.select_related("created_by")


def access_rule(employee, pk):
    try:
        return care_rule_queryset(employee=employee).get(pk=int(pk))
    except (CareRule.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def can_manage_rules(employee):
    return policy.can(employee, MANAGE_CARE)


def _int(value, field, low, high, errors):
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or not low <= number <= high:
        errors.setdefault(field, []).append(
            _("请输入 %(low)d 到 %(high)d 之间的整数。") % {"low": low, "high": high}
        )
        return None
    return number


def _choices(value, field, allowed, errors):
    """A list of codes out of ``allowed`` (blank: no condition)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or any(not isinstance(v, str) for v in value):
        errors.setdefault(field, []).append(_("必须是文本的列表。"))
        return []
    cleaned = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    wrong = [v for v in cleaned if v not in allowed]
    if wrong:
        errors.setdefault(field, []).append(
            _("“%(code)s”不是有效的选项。") % {"code": "、".join(wrong[:5])}
        )
    if len(cleaned) > SELECTION_MAX:
        errors.setdefault(field, []).append(_("最多选择 %(n)d 项。") % {"n": SELECTION_MAX})
    return cleaned


def _tags(value, errors):
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or any(not isinstance(v, str) for v in value):
        errors.setdefault("tags", []).append(_("标签必须是文本的列表。"))
        return []
    cleaned = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(cleaned) > 20 or any(len(t) > 30 for t in cleaned):
        errors.setdefault("tags", []).append(
            _("最多 %(n)d 个标签，每个不超过 %(len)d 字。") % {"n": 20, "len": 30}
        )
    return cleaned


def _clean_rule(rule, fields, errors):
    """Validate ``fields`` onto ``rule`` (all errors at once)."""
    if "name" in fields:
        rule.name = _text(fields["name"], "name", RULE_NAME_LENGTH, errors, required=True)
    if "task_title" in fields:
        rule.task_title = _text(fields["task_title"], "task_title", RULE_NAME_LENGTH, errors,
                                required=False)  # fmt: skip
    if "kind" in fields:
        if fields["kind"] not in RuleKind.values:
            errors.setdefault("kind", []).append(
                _("“%(code)s”不是有效的选项。") % {"code": fields["kind"]}
            )
        else:
            rule.kind = fields["kind"]
    if "starts_on" in fields:  # blank: from today
        value = fields["starts_on"]
        rule.starts_on = (
            timezone.localdate() if value in (None, "") else _date(value, "starts_on", errors)
        )
    if "holiday_on" in fields:
        value = fields["holiday_on"]
        rule.holiday_on = None if value in (None, "") else _date(value, "holiday_on", errors)
    if "interval_days" in fields:
        rule.interval_days = _int(fields["interval_days"], "interval_days", 1, INTERVAL_MAX, errors)
    if "lead_days" in fields:
        lead = _int(fields["lead_days"], "lead_days", 0, LEAD_MAX, errors)
        rule.lead_days = 0 if lead is None else lead
    if "yearly" in fields:
        rule.yearly = bool(fields["yearly"])
    if "levels" in fields:
        codes = set(DictionaryEntry.objects.filter(kind=LEVEL_KIND).values_list("code", flat=True))
        rule.levels = _choices(fields["levels"], "levels", codes, errors)
    if "value_tiers" in fields:
        rule.value_tiers = _choices(
            fields["value_tiers"], "value_tiers", set(Customer.ValueTier.values), errors
        )
    if "stages" in fields:
        rule.stages = _choices(fields["stages"], "stages", set(Customer.Lifecycle.values), errors)
    if "tags" in fields:
        rule.tags = _tags(fields["tags"], errors)
    if errors:
        return
    if rule.kind == RuleKind.INTERVAL:
        if not rule.interval_days:
            errors.setdefault("interval_days", []).append(_("定期关怀需要填写间隔天数。"))
        elif rule.lead_days >= rule.interval_days:
            errors.setdefault("lead_days", []).append(_("提前天数必须小于间隔天数。"))
    elif rule.holiday_on is None:
        errors.setdefault("holiday_on", []).append(_("节日问候需要填写节日日期。"))
    if CareRule.objects.filter(name=rule.name).exclude(pk=rule.pk).exists():
        errors.setdefault("name", []).append(_("已有同名的关怀计划。"))


def _rule_snapshot(rule):
    return audit.snapshot(rule, (*RULE_FIELDS, "is_active"))


@transaction.atomic
def care_rule_create(*, actor, **fields):
    """A care plan (who: ``special.manage_care``). Unknown fields are refused."""
    policy.require(actor, MANAGE_CARE)
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    rule = CareRule(org_id=actor.org_id, created_by=actor, starts_on=timezone.localdate())
    errors: dict[str, list] = {}
    _clean_rule(rule, {"name": fields.get("name", ""), **fields}, errors)
    if errors:
        raise ValidationError(errors)
    rule.save()
    audit.record_change(
        actor=actor, instance=rule, action=ChangeRecord.Action.CREATE,
        after=_rule_snapshot(rule),
    )  # fmt: skip
    return rule


@transaction.atomic
def care_rule_update(*, actor, rule, version=None, is_active=None, **fields):
    """Change a care plan; ``version`` is the one the editor loaded (stale: 409).
    ``is_active`` False stops it (its tasks stay), True starts it again. Tasks
    already made keep their dates; the next runs follow the new plan."""
    policy.require(actor, MANAGE_CARE)
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    rule = lock_for_update(CareRule, rule.pk, expected_version=version)
    before = _rule_snapshot(rule)
    errors: dict[str, list] = {}
    _clean_rule(rule, fields, errors)
    if errors:
        raise ValidationError(errors)
    if is_active is not None:
        rule.is_active = bool(is_active)
    audit.save_if_changed(actor=actor, instance=rule, before=before, after=_rule_snapshot(rule))
    return rule


def care_rule_set_active(*, actor, rule, active):
    return care_rule_update(actor=actor, rule=rule, is_active=active)


def _leap_safe(day, year):
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return day.replace(year=year)


def holiday_date(rule, today):
    """The holiday plan's next date from ``today`` on (this year's or next year's for
    a yearly one; Feb 29 falls on Feb 28 in other years), or None when it is past."""
    if rule.holiday_on is None:
        return None
    if not rule.yearly:
        return rule.holiday_on if rule.holiday_on >= today else None
    for year in (today.year, today.year + 1):
        day = _leap_safe(rule.holiday_on, year)
        if day >= today and day >= rule.holiday_on:
            return day
    return None


def interval_dates(rule, today):
    """``{id remainder: date}`` of the interval plan's dates from ``today`` to
    ``today + lead_days``: customer ``id`` is due on ``starts_on + k * interval +
    (id mod interval)`` days, so the plan's customers are spread over its interval."""
    interval = rule.interval_days
    if not interval or rule.starts_on is None:
        return {}
    dates: dict[int, datetime.date] = {}
    for offset in range(rule.lead_days + 1):
        day = today + datetime.timedelta(days=offset)
        if day >= rule.starts_on:
            dates.setdefault((day - rule.starts_on).days % interval, day)
    return dates


def rule_customers(rule):
    """The customers a plan selects: owned by an active employee, not in the pool, and
    matching every condition (each condition: any of its values)."""
    customers = Customer.objects.filter(
        in_pool=False, owner__isnull=False, owner__status=Employee.Status.ACTIVE
    )
    if rule.levels:
        customers = customers.filter(level__in=rule.levels)
    if rule.value_tiers:
        customers = customers.filter(value_tier__in=rule.value_tiers)
    if rule.stages:
        customers = customers.filter(lifecycle_stage__in=rule.stages)
    if rule.tags:
        any_tag = Q()
        for tag in rule.tags:  # JSON text match, as the customer list's tag filter
            any_tag |= Q(tags__icontains=json.dumps(tag)) | Q(
                tags__icontains=json.dumps(tag, ensure_ascii=False)
            )
        customers = customers.filter(any_tag)
    return customers


def _rule_rows(rule, today):
    """``(customer id, name, owner id, owner's department id, date)`` of the tasks the
    plan calls for from ``today`` to ``lead_days`` ahead (one query)."""
    columns = ("pk", "name", "owner_id", "owner__department_id")
    if rule.kind == RuleKind.HOLIDAY:
        day = holiday_date(rule, today)
        if day is None or (day - today).days > rule.lead_days:
            return
        for row in (
            rule_customers(rule)
            .order_by("pk")
            .values_list(*columns)
            .iterator(chunk_size=RULE_BATCH)
        ):
            yield (*row, day)
        return
    dates = interval_dates(rule, today)
    if not dates:
        return
    selected = (
        rule_customers(rule)
        .annotate(remainder=Mod("id", rule.interval_days))
        .filter(remainder__in=sorted(dates))
        .order_by("pk")
        .values_list(*columns, "remainder")
    )
    for *row, remainder in selected.iterator(chunk_size=RULE_BATCH):
        yield (*row, dates[remainder])


def care_rule_generate(*, rule, today=None):
    """The care tasks one plan calls for now; returns how many were new."""
    today = today or timezone.localdate()
    title = rule.task_title or rule.name
    kind = Kind.HOLIDAY if rule.kind == RuleKind.HOLIDAY else Kind.SCHEDULED
    existing = CareTask.objects.filter(rule=rule)
    before = existing.count()
    batch: list[CareTask] = []

    def flush():
        CareTask.objects.bulk_create(batch, batch_size=500, ignore_conflicts=True)
        batch.clear()

    for pk, name, owner_id, department_id, day in _rule_rows(rule, today):
        batch.append(
            CareTask(
                org_id=rule.org_id,
                customer_id=pk,
                kind=kind,
                title=(_("%(customer)s的%(title)s") % {"title": title, "customer": name})[
                    :TITLE_LENGTH
                ],
                due_on=day,
                assignee_id=owner_id,
                assignee_department_id=department_id,
                rule=rule,
            )
        )
        if len(batch) >= RULE_BATCH:
            flush()
    if batch:
        flush()
    created = existing.count() - before
    CareRule.objects.filter(pk=rule.pk).update(last_run_on=today, last_created=created)
    return created


def care_rules_generate(*, org, today=None):
    """Every active care plan of ``org``, each in its own transaction. Idempotent.
    Returns how many tasks were created."""
    today = today or timezone.localdate()
    total = 0
    with org_scope(org):
        for rule in list(CareRule.objects.filter(is_active=True).order_by("id")):
            with transaction.atomic():
                total += care_rule_generate(rule=rule, today=today)
    return total


def care_rules_run_now(*, actor):
    """A care manager runs today's care plans at once."""
    policy.require(actor, MANAGE_CARE)
    return care_rules_generate(org=actor.org_id)
