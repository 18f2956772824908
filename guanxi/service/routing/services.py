"""Every write of routing and SLAs: queues and policies (service setup), routing a
ticket to an agent, the agent's status switch, and each ticket's SLA clock.

Setup writes take ``service_setup.edit``. Routing and the clock entry points are called
by the ticket lifecycle (and by jobs), with the actor when there is one.

Routing (``route_ticket``) locks the ticket row, then the candidate agents' rows in
primary-key order, and only then counts their open tickets: two tickets routed at the
same moment to the same team queue one behind the other, so the second sees the first's
assignment in the load it counts (on SQLite the write lock taken at ``BEGIN`` serialises
them the same way). Callers must not hold employee row locks.

SLA clocks: ``sla_start`` (on creation, or again with a service contract's promise),
``sla_on_status`` (pause while waiting for the customer, stop on resolved/closed,
restart the resolution clock on reopen), ``sla_on_first_response``; ``sla_scan`` (every
minute) warns before a due time and notifies and escalates a breach, once each.
"""

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import Product, ProductCategory
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs import services as org_services
from guanxi.orgs.models import Department, DictionaryEntry, Employee, Organization
from guanxi.service.routing import hours, selectors
from guanxi.service.routing.models import (
    MAX_MINUTES,
    CalendarDay,
    ServiceQueue,
    SlaPolicy,
    TicketClock,
    TicketRoute,
)
from guanxi.service.routing.selectors import load_of, working_role_ids
from guanxi.service.tickets.models import Ticket
from guanxi.workspace.notifications.services import lazy_text, notify

SETUP = "service_setup"
DAY = datetime.timedelta(days=1)
WORK = "tickets.edit"
OPEN = Ticket.OPEN_STATUSES
ROUTABLE = (Ticket.Status.NEW, Ticket.Status.ASSIGNED)
DONE = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
WAITING_BATCH = 200
QUEUE_AUDIT = ("name", "team", "categories", "skills", "position", "is_default", "active")
POLICY_AUDIT = (
    "name", "priority", "customer_level", "first_response_minutes", "resolution_minutes",
    "business_hours", "warn_unit", "warn_value", "escalate_to", "escalate_employee", "active",
)  # fmt: skip
TICKET_AUDIT = ("assignee", "team", "status", "assignment_reason", "priority")

KIND_WARNING = "sla_warning"
KIND_BREACH = "sla_breach"
KIND_ESCALATION = "sla_escalation"


# ---- calendars ---------------------------------------------------------------------------


def org_calendar(org_id, *, business_hours=True, since=None) -> hours.WorkCalendar:
    """The org's working calendar (see ``selectors.work_calendar``): its working days and
    hours, holidays and make-up working days; round-the-clock when ``business_hours`` is
    False."""
    return selectors.work_calendar(org_id, business_hours=business_hours, since=since)


# ---- setup: queues -------------------------------------------------------------------------


def _errors_raise(errors):
    if errors:
        raise ValidationError(errors)


def _codes(value, field, kind, errors):
    """A list of dictionary codes of ``kind`` (unknown codes refused)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple | set):
        errors.setdefault(field, []).append(_("请选择列表中的选项。"))
        return []
    codes = list(dict.fromkeys(str(code) for code in value))
    known = set(
        DictionaryEntry.objects.filter(kind=kind, code__in=codes).values_list("code", flat=True)
    )
    unknown = [code for code in codes if code not in known]
    if unknown:
        errors.setdefault(field, []).append(
            _("未知的选项：%(codes)s。请从数据字典中选择。") % {"codes": "、".join(unknown)}
        )
    return [code for code in codes if code in known]


def _ids(value, model, field, errors, message):
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple | set):
        value = [value]
    try:
        wanted = {int(getattr(item, "pk", item)) for item in value}
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(message)
        return []
    found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        errors.setdefault(field, []).append(message)
    return sorted(found)


def _text(value, field, limit, errors, *, required=True):
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(_("请填写此项。"))
    elif len(text) > limit:
        errors.setdefault(field, []).append(_("最多 %(limit)d 个字符。") % {"limit": limit})
    return text


def _int(value, field, errors, *, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("请输入整数。"))
        return None
    if not low <= number <= high:
        errors.setdefault(field, []).append(
            _("请输入 %(low)d 到 %(high)d 之间的整数。") % {"low": low, "high": high}
        )
        return None
    return number


def _clean_queue(queue, raw) -> tuple[dict[str, Any], list[int], list[int]]:
    errors: dict[str, list] = {}

    def pick(name, default=None):
        return raw.get(name, default)

    data: dict[str, Any] = {
        "name": _text(pick("name", queue.name if queue else ""), "name", 100, errors),
        "categories": _codes(
            pick("categories", queue.categories if queue else []),
            "categories",
            "ticket_category",
            errors,
        ),
        "skills": _codes(pick("skills", queue.skills if queue else []), "skills", "skill", errors),
        "is_default": bool(pick("is_default", queue.is_default if queue else False)),
        "active": bool(pick("active", queue.active if queue else True)),
    }
    position = _int(
        pick("position", queue.position if queue else 100), "position", errors, low=0, high=9999
    )
    data["position"] = position
    team = pick("team", queue.team_id if queue else None)
    team_ids = _ids(team, Department, "team", errors, _("请选择本组织的部门作为服务团队。"))
    if not team_ids and "team" not in errors:
        errors["team"] = [_("请选择服务团队。")]
    data["team_id"] = team_ids[0] if team_ids else None
    current_products = list(queue.products.values_list("pk", flat=True)) if queue else []
    current_categories = (
        list(queue.product_categories.values_list("pk", flat=True)) if queue else []
    )
    products = _ids(
        pick("products", current_products), Product, "products", errors, _("请选择本组织的产品。")
    )
    categories = _ids(
        pick("product_categories", current_categories),
        ProductCategory,
        "product_categories",
        errors,
        _("请选择本组织的产品分类。"),
    )
    _errors_raise(errors)
    return data, products, categories


def _save_unique(instance, message):
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({"name": [message]}) from None


def _clear_other_default(queue):
    if queue.is_default:
        ServiceQueue.objects.filter(is_default=True).exclude(pk=queue.pk).update(is_default=False)


@transaction.atomic
def queue_create(*, actor, **fields) -> ServiceQueue:
    """A routing queue: ``name``, ``team`` (a department), ``categories`` (ticket category
    codes; empty = all), ``products`` / ``product_categories`` (ids; empty = any),
    ``skills`` (skill codes that count as a match besides the category), ``position``
    (matching order), ``is_default`` (takes what no other queue matches), ``active``."""
    policy.require(actor, f"{SETUP}.edit")
    data, products, categories = _clean_queue(None, fields)
    queue = ServiceQueue(org_id=actor.org_id, **data)
    if queue.is_default:
        ServiceQueue.objects.filter(is_default=True).update(is_default=False)
    _save_unique(queue, _("已有同名的服务队列。"))
    queue.products.set(products)
    queue.product_categories.set(categories)
    audit.record_change(
        actor=actor,
        instance=queue,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(queue, QUEUE_AUDIT),
    )
    return queue


@transaction.atomic
def queue_update(*, actor, queue, version=None, **fields) -> ServiceQueue:
    """Change a queue (only the fields given). ``version``: 409 when stale."""
    policy.require(actor, f"{SETUP}.edit")
    queue = lock_for_update(ServiceQueue, queue.pk, expected_version=version)
    before = audit.snapshot(queue, QUEUE_AUDIT)
    data, products, categories = _clean_queue(queue, fields)
    for name, value in data.items():
        setattr(queue, name, value)
    queue.version += 1
    _clear_other_default(queue)
    _save_unique(queue, _("已有同名的服务队列。"))
    queue.products.set(products)
    queue.product_categories.set(categories)
    audit.record_change(
        actor=actor,
        instance=queue,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(queue, QUEUE_AUDIT),
    )
    return queue


@transaction.atomic
def queue_delete(*, actor, queue) -> None:
    """Delete a queue. Tickets waiting in it wait without a queue until routed again."""
    policy.require(actor, f"{SETUP}.edit")
    queue = lock_for_update(ServiceQueue, queue.pk)
    audit.record_change(
        actor=actor,
        instance=queue,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(queue, QUEUE_AUDIT),
    )
    queue.delete()


# ---- setup: SLA policies -------------------------------------------------------------------


def _clean_policy(sla, raw) -> dict[str, Any]:
    errors: dict[str, list] = {}

    def pick(name, default=None):
        return raw.get(name, default)

    data: dict[str, Any] = {
        "name": _text(pick("name", sla.name if sla else ""), "name", 100, errors),
        "business_hours": bool(pick("business_hours", sla.business_hours if sla else True)),
        "active": bool(pick("active", sla.active if sla else True)),
    }
    priority = pick("priority", sla.priority if sla else "") or ""
    if priority and priority not in Ticket.Priority.values:
        errors.setdefault("priority", []).append(_("请选择优先级（留空表示任意优先级）。"))
    data["priority"] = priority
    level = pick("customer_level", sla.customer_level if sla else "") or ""
    if level:
        _codes([level], "customer_level", "customer_level", errors)
    data["customer_level"] = level
    for name in ("first_response_minutes", "resolution_minutes"):
        data[name] = _int(
            pick(name, getattr(sla, name) if sla else None), name, errors, low=1, high=MAX_MINUTES
        )
    if (
        data["first_response_minutes"]
        and data["resolution_minutes"]
        and data["first_response_minutes"] > data["resolution_minutes"]
    ):
        errors.setdefault("resolution_minutes", []).append(_("解决时限不能短于首次响应时限。"))
    unit = pick("warn_unit", sla.warn_unit if sla else SlaPolicy.WarnUnit.PERCENT)
    if unit not in SlaPolicy.WarnUnit.values:
        errors.setdefault("warn_unit", []).append(_("请选择预警方式。"))
    data["warn_unit"] = unit
    high = 99 if unit == SlaPolicy.WarnUnit.PERCENT else MAX_MINUTES
    data["warn_value"] = _int(
        pick("warn_value", sla.warn_value if sla else 20), "warn_value", errors, low=0, high=high
    )
    escalate_to = pick("escalate_to", sla.escalate_to if sla else SlaPolicy.EscalateTo.MANAGER)
    if escalate_to not in SlaPolicy.EscalateTo.values:
        errors.setdefault("escalate_to", []).append(_("请选择超时升级给谁。"))
    data["escalate_to"] = escalate_to
    person = pick("escalate_employee", sla.escalate_employee_id if sla else None)
    data["escalate_employee_id"] = None
    if escalate_to == SlaPolicy.EscalateTo.EMPLOYEE:
        found = _ids(person, Employee, "escalate_employee", errors, _("请选择本组织的员工。"))
        if not found and "escalate_employee" not in errors:
            errors["escalate_employee"] = [_("升级给指定员工时，请选择员工。")]
        elif (
            found
            and not Employee.objects.filter(pk=found[0], status=Employee.Status.ACTIVE).exists()
        ):
            errors.setdefault("escalate_employee", []).append(_("该员工已离职，请另选。"))
        data["escalate_employee_id"] = found[0] if found else None
    _errors_raise(errors)
    return data


@transaction.atomic
def sla_policy_create(*, actor, **fields) -> SlaPolicy:
    """An SLA policy: ``name``, ``priority`` / ``customer_level`` (blank = any),
    ``first_response_minutes``, ``resolution_minutes``, ``business_hours`` (count working
    time only), ``warn_unit`` (percent | minutes) + ``warn_value`` (warn when that much is
    left), ``escalate_to`` (manager | employee) + ``escalate_employee``, ``active``."""
    policy.require(actor, f"{SETUP}.edit")
    sla = SlaPolicy(org_id=actor.org_id, **_clean_policy(None, fields))
    _save_unique(sla, _("已有同名的SLA策略。"))
    audit.record_change(
        actor=actor,
        instance=sla,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(sla, POLICY_AUDIT),
    )
    return sla


@transaction.atomic
def sla_policy_update(*, actor, sla, version=None, **fields) -> SlaPolicy:
    """Change a policy. Running clocks keep the due times they started with; new
    tickets get the change."""
    policy.require(actor, f"{SETUP}.edit")
    sla = lock_for_update(SlaPolicy, sla.pk, expected_version=version)
    before = audit.snapshot(sla, POLICY_AUDIT)
    for name, value in _clean_policy(sla, fields).items():
        setattr(sla, name, value)
    sla.version += 1
    _save_unique(sla, _("已有同名的SLA策略。"))
    audit.record_change(
        actor=actor,
        instance=sla,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(sla, POLICY_AUDIT),
    )
    return sla


@transaction.atomic
def sla_policy_delete(*, actor, sla) -> None:
    """Delete a policy; running clocks keep their due times (and lose the link)."""
    policy.require(actor, f"{SETUP}.edit")
    sla = lock_for_update(SlaPolicy, sla.pk)
    audit.record_change(
        actor=actor,
        instance=sla,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(sla, POLICY_AUDIT),
    )
    sla.delete()


# ---- setup: the work calendar ------------------------------------------------------------

CALENDAR_AUDIT = ("date", "kind", "name")
MAX_RANGE_DAYS = 62  # the longest holiday (春节) is 9 days; a range is never a season
MAX_IMPORT_LINES = 500
KIND_WORDS = {
    "休": CalendarDay.Kind.HOLIDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "holiday": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
}
RANGE_SEPARATORS = re.compile(r"\.\.|[,，~～]")


def _date(value, field, errors) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.setdefault(field, []).append(_("请输入日期，格式为 YYYY-MM-DD。"))
        return None


def _kind(value, errors) -> str:
    kind = str(value or "")
    if kind not in CalendarDay.Kind.values:
        errors.setdefault("kind", []).append(_("请选择类型：休息日或调休上班日。"))
    return kind


def _range(first, last, errors, field="end") -> list[datetime.date]:
    """The dates from ``first`` to ``last``, or [] with an error."""
    if first is None or last is None:
        return []
    if last < first:
        errors.setdefault(field, []).append(_("结束日期不能早于开始日期。"))
        return []
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        errors.setdefault(field, []).append(
            _("一次最多添加 %(days)d 天。") % {"days": MAX_RANGE_DAYS}
        )
        return []
    return [first + DAY * offset for offset in range((last - first).days + 1)]


def _taken(dates) -> dict[datetime.date, str]:
    """The dates among ``dates`` already in the calendar, with their names."""
    return dict(CalendarDay.objects.filter(date__in=list(dates)).values_list("date", "name"))


def _taken_text(date, name):
    return _("%(date)s 已在工作日历中（%(name)s），请先删除。") % {
        "date": date.isoformat(),
        "name": name,
    }


def _create_days(actor, rows) -> list[CalendarDay]:
    days = [
        CalendarDay(org_id=actor.org_id, date=date, kind=kind, name=name)
        for date, kind, name in rows
    ]
    try:
        with transaction.atomic():
            made = CalendarDay.objects.bulk_create(days)
    except IntegrityError:  # a date added by someone else meanwhile
        raise ValidationError({"start": [_("其中有日期已在工作日历中，请刷新后重试。")]}) from None
    for day in made:
        audit.record_change(
            actor=actor,
            instance=day,
            action=ChangeRecord.Action.CREATE,
            after=audit.snapshot(day, CALENDAR_AUDIT),
        )
    return made


@transaction.atomic
def calendar_days_add(
    *, actor, start, end=None, kind=CalendarDay.Kind.HOLIDAY, name=""
) -> list[CalendarDay]:
    """Holidays (``kind`` holiday) or make-up working days (workday) from ``start`` to
    ``end`` (blank: the one day), all with ``name``. A date already in the calendar is
    refused (delete it first); nothing is written on any error. SLA clocks started
    before keep their due times."""
    policy.require(actor, f"{SETUP}.edit")
    errors: dict[str, list] = {}
    first = _date(start, "start", errors)
    last = first if end in (None, "") else _date(end, "end", errors)
    kind = _kind(kind, errors)
    name = _text(name, "name", 50, errors)
    dates = _range(first, last, errors)
    _errors_raise(errors)
    taken = _taken(dates)
    if taken:
        raise ValidationError({"start": [_taken_text(date, taken[date]) for date in sorted(taken)]})
    return _create_days(actor, [(date, kind, name) for date in dates])


def _parse_line(text) -> tuple[list[datetime.date], str, str]:
    """One pasted line ``YYYY-MM-DD[,YYYY-MM-DD] 名称 [休|班]``: the dates, the kind and
    the name; a ValidationError with the line's first problem otherwise."""
    parts = text.split()
    kind = CalendarDay.Kind.HOLIDAY
    if len(parts) > 1 and parts[-1].lower() in KIND_WORDS:
        kind = KIND_WORDS[parts.pop().lower()]
    bounds = [bound for bound in RANGE_SEPARATORS.split(parts[0]) if bound]
    errors: dict[str, list] = {}
    if not 1 <= len(bounds) <= 2:
        raise ValidationError(_("日期应为 YYYY-MM-DD 或 YYYY-MM-DD,YYYY-MM-DD。"))
    first = _date(bounds[0], "date", errors)
    last = _date(bounds[-1], "date", errors)
    if errors:
        raise ValidationError(_("日期应为 YYYY-MM-DD 或 YYYY-MM-DD,YYYY-MM-DD。"))
    dates = _range(first, last, errors)
    name = _text(" ".join(parts[1:]), "name", 50, errors)
    if errors.get("end"):
        raise ValidationError(errors["end"][0])
    if errors.get("name"):
        raise ValidationError(errors["name"][0] if name else _("请写上名称，如：国庆节。"))
    return dates, kind, name


@transaction.atomic
def calendar_days_import(*, actor, text) -> list[CalendarDay]:
    """Pasted lines ``YYYY-MM-DD[,YYYY-MM-DD] 名称 [休|班]`` (休, the default: holidays;
    班: make-up working days; blank lines and lines starting with # are skipped). Every
    problem is reported with its line number and nothing is written unless every line is
    right."""
    policy.require(actor, f"{SETUP}.edit")
    lines = str(text or "").splitlines()
    if len(lines) > MAX_IMPORT_LINES:
        raise ValidationError(
            {"text": [_("一次最多导入 %(lines)d 行。") % {"lines": MAX_IMPORT_LINES}]}
        )
    problems: list[str] = []
    rows: list[tuple[datetime.date, str, str]] = []
    seen: dict[datetime.date, int] = {}
    lines_of: dict[datetime.date, int] = {}

    def problem(number, message):
        problems.append(_("第 %(line)d 行：%(error)s") % {"line": number, "error": message})

    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            dates, kind, name = _parse_line(line)
        except ValidationError as exc:
            problem(number, exc.messages[0])
            continue
        for date in dates:
            if date in seen:
                problem(
                    number,
                    _("%(date)s 与第 %(other)d 行重复。")
                    % {"date": date.isoformat(), "other": seen[date]},
                )
                break
            seen[date] = number
        else:
            rows.extend((date, kind, name) for date in dates)
            lines_of.update(dict.fromkeys(dates, number))
    taken = _taken(lines_of)
    for date in sorted(taken, key=lambda date: (lines_of[date], date)):
        problem(lines_of[date], _taken_text(date, taken[date]))
    if not rows and not problems:
        problems.append(_("请粘贴至少一行，如：2026-10-01,2026-10-08 国庆节 休"))
    if problems:
        raise ValidationError({"text": problems})
    return _create_days(actor, rows)


@transaction.atomic
def calendar_day_update(*, actor, day, **fields) -> CalendarDay:
    """Rename a calendar day or change its kind (the date stays: delete and add)."""
    policy.require(actor, f"{SETUP}.edit")
    day = CalendarDay.objects.select_for_update().get(pk=day.pk)
    before = audit.snapshot(day, CALENDAR_AUDIT)
    errors: dict[str, list] = {}
    if "name" in fields:
        day.name = _text(fields["name"], "name", 50, errors)
    if "kind" in fields:
        day.kind = _kind(fields["kind"], errors)
    if "date" in fields and _date(fields["date"], "date", errors) != day.date:
        errors.setdefault("date", []).append(_("日期不能修改：请删除后重新添加。"))
    _errors_raise(errors)
    day.save()
    audit.record_change(
        actor=actor,
        instance=day,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(day, CALENDAR_AUDIT),
    )
    return day


@transaction.atomic
def calendar_day_delete(*, actor, day) -> None:
    """Remove a date from the calendar: it follows the weekly pattern again."""
    policy.require(actor, f"{SETUP}.edit")
    audit.record_change(
        actor=actor,
        instance=day,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(day, CALENDAR_AUDIT),
    )
    CalendarDay.objects.filter(pk=day.pk).delete()


# ---- routing -------------------------------------------------------------------------------


def queue_takes(queue: ServiceQueue, ticket: Ticket) -> bool:
    """Does ``queue`` take ``ticket`` (category, then product or product category)?
    Reads the queue's prefetched products and categories."""
    if queue.categories and ticket.category not in queue.categories:
        return False
    products = {product.pk for product in queue.products.all()}
    categories = list(queue.product_categories.all())
    if not products and not categories:
        return True
    if ticket.product_id in products:
        return True
    product = ticket.product if ticket.product_id else None
    category = product.category if product is not None and product.category_id else None
    return category is not None and any(category.path.startswith(c.path) for c in categories)


def pick_queue(ticket: Ticket) -> ServiceQueue | None:
    """The first active queue (by position) that takes ``ticket``, else the active
    default queue, else None."""
    queues = list(
        ServiceQueue.objects.filter(active=True)
        .select_related("team")
        .prefetch_related("products", "product_categories")
        .order_by("position", "pk")
    )
    for queue in queues:
        if not queue.is_default and queue_takes(queue, ticket):
            return queue
    return next((queue for queue in queues if queue.is_default), None)


def _candidates(team: Department) -> list[Employee]:
    """Online active agents of ``team``'s subtree who may work tickets, their rows locked
    (in primary-key order, so concurrent routings queue instead of deadlocking)."""
    ids = list(
        Employee.objects.filter(
            status=Employee.Status.ACTIVE,
            user__is_active=True,
            service_status=Employee.ServiceStatus.ONLINE,
            department__path__startswith=team.path,
            roles__in=working_role_ids(),
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    if not ids:
        return []
    locked = list(
        Employee.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=Employee.Status.ACTIVE)
        .order_by("pk")
    )
    agents = [
        agent
        for agent in Employee.objects.filter(
            pk__in=[a.pk for a in locked], service_status=Employee.ServiceStatus.ONLINE
        )
        .select_related("user")
        .prefetch_related("roles")
        .order_by("pk")
    ]
    return [agent for agent in agents if policy.can(agent, WORK)]


def idle_since(agent: Employee, last_assigned) -> datetime.datetime | None:
    """Since when ``agent`` has been free: the later of the last assignment and the last
    status change (coming online, back from busy); None when neither is known."""
    moments = [moment for moment in (last_assigned, agent.service_status_at) if moment]
    return max(moments) if moments else None


def wanted_skills(ticket: Ticket, queue: ServiceQueue | None) -> list[str]:
    """The skills that match ``ticket``: its category first, then the queue's."""
    wanted = [ticket.category] if ticket.category else []
    for code in queue.skills if queue else ():
        if code not in wanted:
            wanted.append(code)
    return wanted


def rank_agents(agents, *, wanted, loads):
    """``agents`` best first, with their facts: skill match, then least open load, then
    longest idle (never assigned and no status time counts as idle longest), then id."""
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    ranked = []
    for agent in agents:
        skill = next((code for code in wanted if code in (agent.skills or ())), None)
        row = loads.get(agent.pk, {})
        since = idle_since(agent, row.get("last"))
        ranked.append(
            {
                "agent": agent,
                "skill": skill,
                "open": int(row.get("open") or 0),
                "idle_since": since,
            }
        )
    ranked.sort(
        key=lambda fact: (
            fact["skill"] is None,
            fact["open"],
            fact["idle_since"] or oldest,
            fact["agent"].pk,
        )
    )
    return ranked


def _skill_label(code):
    entry = DictionaryEntry.objects.filter(kind="skill", code=code).first()
    return entry.display_label if entry else code


def assignment_reason(fact, queue, now) -> str:
    """The readable why: ``技能匹配（维修）· 在线 · 当前 2 张未结工单 · 空闲 47 分钟 · 队列
    售后维修组``."""
    parts = []
    if fact["skill"]:
        parts.append(_("技能匹配（%(skill)s）") % {"skill": _skill_label(fact["skill"])})
    else:
        parts.append(_("无匹配技能"))
    parts.append(_("在线"))
    parts.append(_("当前 %(count)d 张未结工单") % {"count": fact["open"]})
    if fact["idle_since"] is not None:
        minutes = max(0, int((now - fact["idle_since"]).total_seconds() // 60))
        parts.append(_("空闲 %(minutes)d 分钟") % {"minutes": minutes})
    if queue is not None:
        parts.append(_("队列：%(queue)s") % {"queue": queue.name})
    return " · ".join(parts)[:500]


def _write_route(ticket, queue, *, waiting, now):
    TicketRoute.objects.update_or_create(
        ticket=ticket,
        defaults={
            "org_id": ticket.org_id,
            "queue": queue,
            "waiting_since": (now if waiting else None),
            "routed_at": (None if waiting else now),
        },
    )


@transaction.atomic
def route_ticket(*, ticket, actor=None) -> Ticket:
    """Give ``ticket`` (new, or assigned and not yet worked) to the best online agent of
    its queue's team, or leave it ``new`` waiting in that team's queue.

    The queue: the first active one (by position) that takes the ticket's category and
    product, else the default queue. The agent: an active employee of the team's
    department subtree, online, allowed to work tickets; skill match (the ticket's
    category or one of the queue's skills) first, then the fewest open tickets, then
    the longest idle. Writes assignee, team, assigned_at, status ``assigned`` and the
    readable ``assignment_reason``. With ``actor`` (a manual "route again"), the actor
    needs ``tickets.edit``."""
    if actor is not None:
        policy.require(actor, WORK)
    ticket = lock_for_update(Ticket, ticket.pk)
    if ticket.status not in ROUTABLE:
        raise BusinessRuleError(
            _("只有新建或已分配（尚未处理）的工单可以自动分配。"), code="ticket_not_routable"
        )
    now = timezone.now()
    ticket = (
        Ticket.objects.select_related("product__category", "customer").filter(pk=ticket.pk).get()
    )
    before = audit.snapshot(ticket, TICKET_AUDIT)
    queue = pick_queue(ticket)
    if queue is None:
        reason = _("没有匹配的服务队列，等待人工分配")
        _queue_ticket(ticket, None, None, reason, now)
    else:
        agents = _candidates(queue.team)
        ranked = rank_agents(
            agents,
            wanted=wanted_skills(ticket, queue),
            loads=load_of([a.pk for a in agents]),
        )
        if not ranked:
            _queue_ticket(ticket, queue, queue.team_id, _("无在线坐席，排队中"), now)
        else:
            best = ranked[0]
            ticket.assignee = best["agent"]
            ticket.team_id = queue.team_id
            ticket.assigned_at = now
            ticket.status = Ticket.Status.ASSIGNED
            ticket.assignment_reason = assignment_reason(best, queue, now)
            ticket.version += 1
            ticket.save(
                update_fields=[
                    "assignee", "team", "assigned_at", "status", "assignment_reason", "version",
                    "updated_at",
                ]
            )  # fmt: skip
            _write_route(ticket, queue, waiting=False, now=now)
    audit.record_change(
        actor=actor,
        instance=ticket,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(ticket, TICKET_AUDIT),
    )
    return ticket


def _queue_ticket(ticket, queue, team_id, reason, now):
    """Leave ``ticket`` new and unassigned, waiting in ``queue`` (its team's); writes
    nothing when it already waits there for the same reason (the every-minute retry
    must not churn versions)."""
    route = TicketRoute.objects.filter(ticket=ticket).first()
    unchanged = (
        ticket.status == Ticket.Status.NEW
        and ticket.assignee_id is None
        and ticket.assignment_reason == reason
        and (team_id is None or ticket.team_id == team_id)
        and route is not None
        and route.queue_id == (queue.pk if queue else None)
    )
    if unchanged:
        return
    if team_id is not None:
        ticket.team_id = team_id
    ticket.assignee = None
    ticket.assigned_at = None
    ticket.status = Ticket.Status.NEW
    ticket.assignment_reason = reason
    ticket.version += 1
    ticket.save(
        update_fields=[
            "assignee", "team", "assigned_at", "status", "assignment_reason", "version",
            "updated_at",
        ]
    )  # fmt: skip
    waiting_since = route.waiting_since if route and route.waiting_since else now
    TicketRoute.objects.update_or_create(
        ticket=ticket,
        defaults={
            "org_id": ticket.org_id,
            "queue": queue,
            "waiting_since": waiting_since,
            "routed_at": None,
        },
    )


def _priority_order():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *[When(priority=code, then=Value(rank)) for code, rank in PRIORITY_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


def route_waiting(*, org) -> int:
    """Route the org's waiting tickets (new, nobody assigned): most urgent and oldest
    first, each in its own transaction. Stops trying a team once nobody of it could take
    one. Returns how many were assigned. Called after an agent comes online and every
    minute."""
    assigned = 0
    with org_scope(org):
        if not Employee.objects.filter(
            service_status=Employee.ServiceStatus.ONLINE, status=Employee.Status.ACTIVE
        ).exists():
            return 0
        rows = list(
            Ticket.objects.filter(status=Ticket.Status.NEW, assignee__isnull=True)
            .annotate(rank=_priority_order())
            .order_by("rank", "created_at", "pk")
            .values_list("pk", "team_id")[:WAITING_BATCH]
        )
        exhausted: set[int] = set()
        for pk, team_id in rows:
            if team_id is not None and team_id in exhausted:
                continue
            ticket = Ticket.objects.filter(pk=pk, status=Ticket.Status.NEW).first()
            if ticket is None or ticket.assignee_id is not None:
                continue
            routed = route_ticket(ticket=ticket)
            if routed.assignee_id is not None:
                assigned += 1
            elif routed.team_id is not None:
                exhausted.add(routed.team_id)
    return assigned


def agent_set_status(*, actor, service_status) -> Employee:
    """The agent's own status switch (在线 / 忙碌 / 离线). Coming online routes the
    tickets waiting for an agent at once (``came_online``, registered with orgs)."""
    return org_services.employee_set_service_status(
        actor=actor, employee=actor, service_status=service_status
    )


def came_online(*, employee, previous) -> None:
    """An agent's availability changed (any way: the switch, ``/api/v1/me``, an admin):
    coming online routes the tickets waiting for an agent at once."""
    if employee.service_status == Employee.ServiceStatus.ONLINE:
        route_waiting(org=employee.org_id)


# ---- SLA clocks ----------------------------------------------------------------------------


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The active policy that matches ``ticket``'s priority and its customer's level
    most specifically (ties: the tighter resolution time, then the older policy)."""
    level = ticket.customer.level if ticket.customer_id else ""
    matching = list(
        SlaPolicy.objects.filter(active=True)
        .filter(Q(priority="") | Q(priority=ticket.priority))
        .filter(Q(customer_level="") | Q(customer_level=level or ""))
    )
    if not matching:
        return None
    matching.sort(key=lambda sla: (-sla.specificity, sla.resolution_minutes, sla.pk))
    return matching[0]


def _warn_at(calendar, start, minutes, sla: SlaPolicy | None):
    total = int(minutes) * 60
    if sla is None:  # a contract's promise: warn when a fifth is left
        left = total // 5
    elif sla.warn_unit == SlaPolicy.WarnUnit.MINUTES:
        left = min(total, int(sla.warn_value) * 60)
    else:
        left = total * int(sla.warn_value) // 100
    return hours.add_seconds(calendar, start, total - left)


def _clock_calendar(clock):
    return org_calendar(
        clock.org_id,
        business_hours=clock.business_hours,
        since=timezone.localdate(clock.paused_at or clock.started_at),
    )


def _positive(value, name):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_MINUTES:
        raise ValidationError({name: [_("时限须为 1 到 525600 之间的分钟数。")]})
    return number


@transaction.atomic
def sla_start(*, ticket, override=None) -> TicketClock | None:
    """Start (or start again) ``ticket``'s SLA clock from its creation time.

    ``override`` — a service contract's promise ``(first_response_minutes,
    resolution_minutes, label)`` — beats every policy (counted in working hours).
    Otherwise the most specific matching policy applies; with none, the ticket has no
    clock (an existing one is removed). A first response already given is kept."""
    ticket = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    start = ticket.created_at or timezone.now()
    sla = None
    if override is not None:
        first, resolution, label = override
        first = _positive(first, "first_response_minutes")
        resolution = _positive(resolution, "resolution_minutes")
        label = str(label or _("服务合同承诺"))[:200]
        business = True
    else:
        sla = policy_for(ticket)
        if sla is None:
            TicketClock.objects.filter(ticket=ticket).delete()
            return None
        first, resolution, label, business = (
            sla.first_response_minutes,
            sla.resolution_minutes,
            sla.name,
            sla.business_hours,
        )
    calendar = org_calendar(ticket.org_id, business_hours=business, since=timezone.localdate(start))
    values = {
        "org_id": ticket.org_id,
        "policy": sla,
        "label": label,
        "business_hours": business,
        "first_response_minutes": first,
        "resolution_minutes": resolution,
        "started_at": start,
        "first_response_due_at": hours.add_minutes(calendar, start, first),
        "first_response_warn_at": _warn_at(calendar, start, first, sla),
        "first_response_at": ticket.first_response_at,
        "resolution_due_at": hours.add_minutes(calendar, start, resolution),
        "resolution_warn_at": _warn_at(calendar, start, resolution, sla),
        "paused_at": timezone.now() if ticket.status == Ticket.Status.WAITING else None,
        "paused_seconds": 0,
        "stopped_at": ticket.resolved_at if ticket.status in DONE else None,
        "first_response_warned_at": None,
        "first_response_breached_at": None,
        "resolution_warned_at": None,
        "resolution_breached_at": None,
        "escalation_level": 0,
    }
    clock, _created = TicketClock.objects.update_or_create(ticket=ticket, defaults=values)
    return clock


def _locked_clock(ticket) -> TicketClock | None:
    return TicketClock.objects.select_for_update().filter(ticket_id=ticket.pk).first()


def _resume(clock, calendar, at):
    """End a pause: the working time it lasted moves the open due times later."""
    paused = hours.seconds_between(calendar, clock.paused_at, at)
    clock.paused_seconds += paused
    if clock.first_response_at is None:
        clock.first_response_due_at = hours.add_seconds(
            calendar, clock.first_response_due_at, paused
        )
        clock.first_response_warn_at = hours.add_seconds(
            calendar, clock.first_response_warn_at, paused
        )
    clock.resolution_due_at = hours.add_seconds(calendar, clock.resolution_due_at, paused)
    clock.resolution_warn_at = hours.add_seconds(calendar, clock.resolution_warn_at, paused)
    clock.paused_at = None


@transaction.atomic
def sla_on_status(*, ticket, old, new, at=None) -> TicketClock | None:
    """Follow a status change of ``ticket`` from ``old`` to ``new``: into ``waiting``
    the clock pauses; out of it the due times move by the paused working time;
    ``resolved``/``closed`` stop it; reopening (from resolved/closed to an open
    status) restarts the resolution clock from ``at`` (a new cycle: it may warn and
    escalate again). No clock: nothing happens."""
    clock = _locked_clock(ticket)
    if clock is None or old == new:
        return clock
    at = at or timezone.now()
    calendar = _clock_calendar(clock)
    if clock.paused_at is not None and new != Ticket.Status.WAITING:
        _resume(clock, calendar, at)
    if new in DONE:
        clock.stopped_at = clock.stopped_at or at
    elif old in DONE and new in OPEN:
        clock.stopped_at = None
        clock.paused_at = None
        clock.resolution_due_at = hours.add_minutes(calendar, at, clock.resolution_minutes)
        clock.resolution_warn_at = _warn_at(calendar, at, clock.resolution_minutes, clock.policy)
        clock.resolution_warned_at = None
        clock.resolution_breached_at = None
        clock.escalation_level = 0
        clock.cycle += 1
    if new == Ticket.Status.WAITING and clock.stopped_at is None and clock.paused_at is None:
        clock.paused_at = at
    clock.save()
    return clock


@transaction.atomic
def sla_on_first_response(*, ticket, at=None) -> TicketClock | None:
    """The first reply to the customer: the first-response clock stops (a late one is
    recorded as breached at the reply when the scan had not caught it yet)."""
    clock = _locked_clock(ticket)
    if clock is None or clock.first_response_at is not None:
        return clock
    at = at or timezone.now()
    clock.first_response_at = at
    if at > clock.first_response_due_at and clock.first_response_breached_at is None:
        clock.first_response_breached_at = at
    clock.save(update_fields=["first_response_at", "first_response_breached_at", "updated_at"])
    return clock


def ticket_link(ticket_id) -> str:
    """The ticket's page (the agent board while tickets have no page of their own)."""
    try:
        return reverse("tickets:ticket_detail", args=[ticket_id])
    except NoReverseMatch:
        return reverse("service_routing:agent_board")


def _local(moment):
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def escalation_target(clock: TicketClock, ticket: Ticket) -> int | None:
    """Whom a breach is escalated to: the policy's chosen employee, else the
    assignee's manager (also for a contract's promise)."""
    sla = clock.policy
    if sla is not None and sla.escalate_to == SlaPolicy.EscalateTo.EMPLOYEE:
        return sla.escalate_employee_id
    assignee = ticket.assignee if ticket.assignee_id else None
    return assignee.manager_id if assignee is not None else None


WHICH = {
    "first": (
        "first_response_due_at",
        "first_response_warned_at",
        "first_response_breached_at",
    ),
    "resolution": ("resolution_due_at", "resolution_warned_at", "resolution_breached_at"),
}
WARN_TITLES = {
    "first": gettext_lazy("工单 %(code)s 即将超过首次响应时限（%(due)s）"),
    "resolution": gettext_lazy("工单 %(code)s 即将超过解决时限（%(due)s）"),
}
BREACH_TITLES = {
    "first": gettext_lazy("工单 %(code)s 已超过首次响应时限（%(due)s）"),
    "resolution": gettext_lazy("工单 %(code)s 已超过解决时限（%(due)s）"),
}
ESCALATE_TITLE = gettext_lazy("SLA 升级（第 %(level)d 级）：工单 %(code)s %(what)s")
WHAT = {
    "first": gettext_lazy("首次响应超时"),
    "resolution": gettext_lazy("解决超时"),
}


def _claim(clock_pk, which, flag_field, now):
    """Lock the clock and set ``flag_field`` if still unset and the clock runs; the
    clock, or None when another scan (or a status change) got there first."""
    clock = (
        # only the clock's row: PostgreSQL refuses to lock the nullable side of a join
        TicketClock.objects.select_for_update(of=("self",))
        .select_related("ticket__assignee", "policy")
        .filter(pk=clock_pk)
        .first()
    )
    if clock is None or not clock.running or getattr(clock, flag_field) is not None:
        return None
    if which == "first" and clock.first_response_at is not None:
        return None
    setattr(clock, flag_field, now)
    return clock


@transaction.atomic
def _warn(clock_pk, which, now) -> int:
    due_field, warned_field, _breached = WHICH[which]
    clock = _claim(clock_pk, which, warned_field, now)
    if clock is None:
        return 0
    clock.save(update_fields=[warned_field, "updated_at"])
    ticket = clock.ticket
    if not ticket.assignee_id:
        return 0
    sent = notify(
        recipients=[ticket.assignee_id],
        kind=KIND_WARNING,
        title=lazy_text(
            WARN_TITLES[which], code=ticket.code, due=_local(getattr(clock, due_field))
        ),
        body=ticket.subject,
        link=ticket_link(ticket.pk),
        target=ticket,
        event_key=f"sla:{ticket.pk}:{clock.cycle}:{which}:warn",
    )
    return len(sent)


def _raise_priority(ticket):
    """A resolution breach raises the ticket's priority one level (audited)."""
    locked = lock_for_update(Ticket, ticket.pk)
    raised = PRIORITY_UP.get(locked.priority, locked.priority)
    if raised == locked.priority:
        return
    before = audit.snapshot(locked, ("priority",))
    locked.priority = raised
    locked.version += 1
    locked.save(update_fields=["priority", "version", "updated_at"])
    audit.record_change(
        actor=None,
        instance=locked,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(locked, ("priority",)),
    )


@transaction.atomic
def _breach(clock_pk, which, now) -> int | None:
    """Mark the breach and send its notices; None when it was already marked."""
    due_field, _warned, breached_field = WHICH[which]
    clock = _claim(clock_pk, which, breached_field, now)
    if clock is None:
        return None
    clock.escalation_level += 1
    clock.save(update_fields=[breached_field, "escalation_level", "updated_at"])
    ticket = clock.ticket
    due = _local(getattr(clock, due_field))
    link = ticket_link(ticket.pk)
    sent = 0
    if ticket.assignee_id:
        sent += len(
            notify(
                recipients=[ticket.assignee_id],
                kind=KIND_BREACH,
                title=lazy_text(BREACH_TITLES[which], code=ticket.code, due=due),
                body=ticket.subject,
                link=link,
                target=ticket,
                event_key=f"sla:{ticket.pk}:{clock.cycle}:{which}:breach",
            )
        )
    target = escalation_target(clock, ticket)
    if target is not None:
        sent += len(
            notify(
                recipients=[target],
                kind=KIND_ESCALATION,
                title=lazy_text(
                    ESCALATE_TITLE,
                    level=clock.escalation_level,
                    code=ticket.code,
                    what=WHAT[which],
                ),
                body=lazy_text(
                    gettext_lazy("%(subject)s · 处理人：%(assignee)s · 截止 %(due)s"),
                    subject=ticket.subject,
                    assignee=ticket.assignee.name if ticket.assignee_id else "—",
                    due=due,
                ),
                link=link,
                target=ticket,
                event_key=f"sla:{ticket.pk}:{clock.cycle}:escalate:{clock.escalation_level}",
            )
        )
    if which == "resolution":
        _raise_priority(ticket)
    return sent


def sla_scan_org(*, org, now=None) -> dict[str, int]:
    """One org's scan (see ``sla_scan``)."""
    now = now or timezone.now()
    counts = {"warned": 0, "breached": 0}
    with org_scope(org):
        running = TicketClock.objects.filter(
            stopped_at__isnull=True, paused_at__isnull=True, ticket__deleted_at__isnull=True
        )
        first_open = running.filter(first_response_at__isnull=True)
        warn_first = first_open.filter(
            first_response_warned_at__isnull=True,
            first_response_breached_at__isnull=True,
            first_response_warn_at__lte=now,
            first_response_due_at__gt=now,
        )
        warn_resolution = running.filter(
            resolution_warned_at__isnull=True,
            resolution_breached_at__isnull=True,
            resolution_warn_at__lte=now,
            resolution_due_at__gt=now,
        )
        for pk in list(warn_first.values_list("pk", flat=True)):
            counts["warned"] += 1 if _warn(pk, "first", now) else 0
        for pk in list(warn_resolution.values_list("pk", flat=True)):
            counts["warned"] += 1 if _warn(pk, "resolution", now) else 0
        breach_first = first_open.filter(
            first_response_breached_at__isnull=True, first_response_due_at__lte=now
        )
        breach_resolution = running.filter(
            resolution_breached_at__isnull=True, resolution_due_at__lte=now
        )
        for pk in list(breach_first.values_list("pk", flat=True)):
            counts["breached"] += 1 if _breach(pk, "first", now) is not None else 0
        for pk in list(breach_resolution.values_list("pk", flat=True)):
            counts["breached"] += 1 if _breach(pk, "resolution", now) is not None else 0
    return counts


def sla_scan(*, now=None) -> dict[int, dict[str, int]]:
    """Every active org: clocks near a due time warn the assignee (once per cycle);
    clocks past one are marked breached, notify the assignee and escalate (once per
    level); a resolution breach raises the ticket's priority one level. Paused and
    stopped clocks are left alone."""
    org_ids = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    return {org_id: sla_scan_org(org=org_id, now=now) for org_id in org_ids}
