"""Calendar screens (日程): month, week and day views with drag to reschedule, quick add,
"my tasks", the calendar feed settings and the feed itself."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.tenancy import org_scope
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace.schedule import ical, panels, selectors, services
from guanxi.workspace.schedule.forms import ERROR_FIELDS, ItemForm
from guanxi.workspace.schedule.models import Task

VIEWS = ("month", "week", "day")
FEED_DAYS_BACK = 60
FEED_DAYS_AHEAD = 366
FEED_SESSION_KEY = "schedule_feed_token"
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _date(value, default):
    try:
        day = datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return default
    return day if 1971 <= day.year <= 2099 else default


def _period(view, day):
    """``(first day, number of days)`` shown by ``view`` around ``day``."""
    if view == "day":
        return day, 1
    if view == "week":
        return day - datetime.timedelta(days=day.weekday()), 7
    first = day.replace(day=1)
    start = first - datetime.timedelta(days=first.weekday())
    return start, 42  # six weeks, always: the grid keeps its height


def _shift(view, day, step):
    if view == "day":
        return day + datetime.timedelta(days=step)
    if view == "week":
        return day + datetime.timedelta(days=7 * step)
    month = day.month - 1 + step
    year = day.year + month // 12
    return datetime.date(year, month % 12 + 1, 1)


def _last_day(event):
    """The local day an event ends on (an end at midnight belongs to the day before)."""
    end = event.ends_at
    if end > event.starts_at:
        end = end - datetime.timedelta(microseconds=1)
    return timezone.localdate(end)


def _entry(kind, item, day, can_move):
    when = item.due_at if kind == "task" else item.starts_at
    return {
        "kind": kind,
        "item": item,
        "day": day,
        "time": "" if item.all_day else timezone.localtime(when).strftime("%H:%M"),
        "done": kind == "task" and item.status == Task.Status.DONE,
        "move_url": reverse("schedule:item_move", args=[kind, item.pk]) if can_move else "",
    }


def _state(request):
    """The calendar the request asks for: view, anchor day and whose calendar."""
    employee = request.employee
    params = request.POST if request.method == "POST" else request.GET
    view = params.get("view") if params.get("view") in VIEWS else "month"
    today = timezone.localdate()
    day = _date(params.get("at") or params.get("date"), today)
    colleagues = selectors.colleague_choices(employee)
    person = employee
    who = params.get("who", "")
    if who and who != str(employee.pk):
        person = next((c for c in colleagues if str(c.pk) == who), employee)
    return view, day, person, colleagues


def calendar_context(request, view, day, person, colleagues):
    employee = request.employee
    first, count = _period(view, day)
    start, _end = selectors.day_bounds(first)
    _start, end = selectors.day_bounds(first + datetime.timedelta(days=count - 1))
    items = selectors.calendar_items(employee=employee, person=person, start=start, end=end)
    days = {first + datetime.timedelta(days=n): [] for n in range(count)}
    can_edit = policy.can(employee, "tasks.edit")
    for event in items["events"]:
        movable = can_edit and selectors.can_change(employee, event)
        current = max(timezone.localdate(event.starts_at), first)
        last = _last_day(event)
        while current <= last and current in days:
            days[current].append(_entry("event", event, current, movable))
            current += datetime.timedelta(days=1)
    for task in items["tasks"]:
        local = timezone.localdate(task.due_at)
        if local in days:
            movable = can_edit and selectors.can_change(employee, task)
            days[local].append(_entry("task", task, local, movable))
    today = timezone.localdate()
    base = {"view": view}
    if person.pk != employee.pk:
        base["who"] = person.pk

    def url(**params):
        return reverse("schedule:calendar") + "?" + urlencode({**base, **params})

    cells = [
        {
            "date": date,
            "entries": sorted(entries, key=lambda e: (e["time"] != "", e["time"])),
            "is_today": date == today,
            "in_period": view != "month" or date.month == day.month,
            "day_url": url(view="day", at=date.isoformat()),
        }
        for date, entries in days.items()
    ]

    return {
        "view": view,
        "day": day,
        "person": person,
        "colleagues": colleagues,
        "cells": cells,
        "weeks": [cells[n : n + 7] for n in range(0, len(cells), 7)],
        # phones: the week's seven days (each a place to drop on), a month's busy days
        "agenda": cells
        if view == "week"
        else [cell for cell in cells if cell["entries"] and cell["in_period"]],
        "prev_url": url(at=_shift(view, day, -1).isoformat()),
        "next_url": url(at=_shift(view, day, 1).isoformat()),
        "today_url": url(at=today.isoformat()),
        "view_urls": [
            (code, label, url(view=code, at=day.isoformat()))
            for code, label in (("month", _("月")), ("week", _("周")), ("day", _("日")))
        ],
        "period_start": first,
        "period_end": first + datetime.timedelta(days=count - 1),
        "today": today,
        "can_create": policy.can(employee, "tasks.create"),
    }


def _render_calendar(request, view, day, person, colleagues, *, error=""):
    context = calendar_context(request, view, day, person, colleagues)
    context["error"] = error
    partial = request.htmx and not request.htmx.history_restore_request
    template = "schedule/_calendar.html" if partial else "schedule/calendar.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same address answers two ways
    return response


@employee_required
@require_GET
def calendar(request):
    """日程: month, week or day view of my calendar, or a colleague's in my data scope."""
    policy.require(request.employee, "tasks.view")
    view, day, person, colleagues = _state(request)
    return _render_calendar(request, view, day, person, colleagues)


def _moved(when, origin, target):
    local = timezone.localtime(when)
    shifted = local.replace(tzinfo=None) + (target - origin)
    return timezone.make_aware(shifted)


@employee_required
@require_POST
def item_move(request, kind, pk):
    """Drag and drop: move a task or an event from day ``from`` to day ``date`` (its time
    of day kept); answers with the calendar again."""
    employee = request.employee
    if kind not in ("task", "event"):
        raise Http404
    view, day, person, colleagues = _state(request)
    error = ""
    try:
        item = (
            selectors.access_task(employee, pk, write=True)
            if kind == "task"
            else selectors.access_event(employee, pk, write=True)
        )
        target = _date(request.POST.get("date"), None)
        origin = _date(request.POST.get("from"), None)
        when = item.due_at if kind == "task" else item.starts_at
        if target is None or when is None:
            raise ValidationError(_("请把它拖到日历中的某一天。"))
        origin = origin or timezone.localdate(when)
        version = request.POST.get("version") or None
        moved = _moved(when, origin, target)
        if kind == "task":
            services.reschedule(actor=employee, item=item, due_at=moved, version=version)
        else:
            services.reschedule(actor=employee, item=item, starts_at=moved, version=version)
    except Http404:
        error = _("只有负责人（或其数据范围内的同事）和创建人可以改期。")
    except REFUSALS as exc:
        error = refusal_text(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("已改期。"))
        return redirect_back(request, "schedule:calendar")
    return _render_calendar(request, view, day, person, colleagues, error=error)


def _time(value):
    try:
        return datetime.time.fromisoformat(value) if value else None
    except ValueError:
        return None


@employee_required
@require_POST
def quick_add(request):
    """快速新建: a task or an event on a day, at a time or all day."""
    employee = request.employee
    post = request.POST
    day = _date(post.get("date"), None)
    at_time = _time(post.get("time", ""))
    title = post.get("title", "")
    try:
        if day is None:
            raise ValidationError({"date": [_("请选择日期。")]})
        if post.get("time") and at_time is None:
            raise ValidationError({"time": [_("时间无效。")]})
        when = timezone.make_aware(datetime.datetime.combine(day, at_time or datetime.time(9)))
        if post.get("kind") == "event":
            try:
                minutes = int(post.get("minutes") or 60)
            except ValueError:
                minutes = 60
            minutes = min(max(minutes, 5), 24 * 60)
            services.event_create(
                actor=employee,
                title=title,
                starts_at=when,
                ends_at=when + datetime.timedelta(minutes=minutes),
                all_day=at_time is None,
                location=post.get("location", ""),
            )
        else:
            services.task_create(actor=employee, title=title, due_at=when, all_day=at_time is None)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已添加“%(title)s”。") % {"title": title.strip()})
    return redirect_back(request, "schedule:calendar")


@employee_required
@require_GET
def task_list(request):
    """我的任务: today / overdue / upcoming / done, with complete buttons."""
    employee = request.employee
    policy.require(employee, "tasks.view")
    tab = request.GET.get("tab")
    if tab not in selectors.MY_TASK_TABS:
        tab = "today"
    labels = {
        "today": _("今天"),
        "overdue": _("已逾期"),
        "upcoming": _("以后"),
        "done": _("已完成"),
    }
    return render(
        request,
        "schedule/task_list.html",
        {
            "tab": tab,
            "tabs": [(code, labels[code]) for code in selectors.MY_TASK_TABS],
            "tasks": selectors.my_tasks(employee=employee, tab=tab),
            "now": timezone.now(),
            "can_edit": policy.can(employee, "tasks.edit"),
            "can_create": policy.can(employee, "tasks.create"),
            "today": timezone.localdate(),
            "current_url": request.get_full_path(),
        },
    )


@employee_required
@require_POST
def task_status(request, pk, action):
    """Complete, reopen or cancel one of my tasks, then back to where the button was."""
    employee = request.employee
    service = {
        "complete": services.task_complete,
        "reopen": services.task_reopen,
        "cancel": services.task_cancel,
    }.get(action)
    if service is None:
        raise Http404
    try:
        task = selectors.access_task(employee, pk)
        service(actor=employee, task=task, version=request.POST.get("version") or None)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        done = {
            "complete": _("任务已完成。"),
            "reopen": _("任务已重新打开。"),
            "cancel": _("任务已取消。"),
        }
        messages.success(request, done[action])
    return redirect_back(request, "schedule:task_list")


@employee_required
@never_cache
def feed_settings(request):
    """日历订阅: make (or make anew) the secret address of my calendar feed, or stop it.
    The address is shown once, right after it is made."""
    employee = request.employee
    policy.require(employee, "tasks.view")
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_revoke(actor=employee)
            messages.success(request, _("订阅地址已停用。"))
        else:
            token = services.feed_regenerate(actor=employee)
            request.session[FEED_SESSION_KEY] = token
            messages.success(request, _("新的订阅地址已生成，旧地址已失效。"))
        return redirect("schedule:feed_settings")
    token = request.session.pop(FEED_SESSION_KEY, None)
    feed_url = request.build_absolute_uri(reverse("schedule:feed", args=[token])) if token else ""
    return render(
        request,
        "schedule/feed_settings.html",
        {"feed_url": feed_url, "has_feed": services.feed_exists(employee)},
    )


@require_GET
@never_cache
def feed(request, token):
    """The iCalendar feed behind a secret address (no sign-in: the address is the key)."""
    employee = services.feed_employee(token)
    if employee is None:
        raise Http404
    now = timezone.now()
    with org_scope(employee.org_id):
        if not policy.can(employee, "tasks.view"):
            raise Http404
        items = selectors.feed_items(
            employee=employee,
            start=now - datetime.timedelta(days=FEED_DAYS_BACK),
            end=now + datetime.timedelta(days=FEED_DAYS_AHEAD),
        )
        name = _("%(name)s的日程") % {"name": employee.name}
        body = ical.calendar(name=name, tasks=items["tasks"], events=items["events"], now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@employee_required
@require_GET
def today_card(request):
    """The start page's card (for a page that loads it after itself)."""
    return render(
        request,
        "schedule/_today_card.html",
        {"card": selectors.today_card(employee=request.employee), "today": timezone.localdate()},
    )


def _form_choices(employee, item=None):
    assignees = selectors.colleague_choices(employee)
    current = item.assignee if item is not None else None
    if current is not None and all(person.pk != current.pk for person in assignees):
        assignees = [current, *assignees]
    employees = list(Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name", "id"))
    return assignees, employees


def _save(request, form, save):
    """Run ``save(fields)`` with the form's values; a refusal lands on the form."""
    try:
        return save(form.service_fields())
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {ERROR_FIELDS.get(key, key): value for key, value in exc.error_dict.items()}
            )
        refuse(form, exc)
    except (BusinessRuleError, PermissionDenied) as exc:
        refuse(form, exc if not isinstance(exc, PermissionDenied) else ValidationError(str(exc)))
    return None


def _calendar_url(item):
    when = item.due_at if isinstance(item, Task) else item.starts_at
    query = {"view": "week"}
    if when is not None:
        query["at"] = timezone.localdate(when).isoformat()
    return reverse("schedule:calendar") + "?" + urlencode(query)


@employee_required
def item_new(request, kind):
    """新建任务 / 新建日程 with every field (``?date=`` and ``?customer=`` prefill)."""
    employee = request.employee
    if kind not in ("task", "event"):
        raise Http404
    policy.require(employee, "tasks.create")
    customer = None
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if customer_id:
        customer = customer_selectors.access_customer(employee, customer_id)
    assignees, employees = _form_choices(employee)
    day = _date(request.GET.get("date"), timezone.localdate())
    initial = {
        "assignee": str(employee.pk),
        "start_date": day,
        "due_date": day,
        "priority": Task.Priority.NORMAL,
    }
    form = ItemForm(
        request.POST or None,
        initial=initial,
        kind=kind,
        assignees=assignees,
        employees=employees,
    )
    if request.method == "POST" and form.is_valid():
        create = services.task_create if kind == "task" else services.event_create

        def save(fields):
            return create(actor=employee, customer=customer, **fields)

        item = _save(request, form, save)
        if item is not None:
            messages.success(request, _("已添加“%(title)s”。") % {"title": item.title})
            return redirect(_calendar_url(item))
    return render(
        request,
        "schedule/item_form.html",
        {"form": form, "kind": kind, "item": None, "customer": customer},
        status=form_status(request, form),
    )


@employee_required
def item_edit(request, kind, pk):
    """A task or event: its details, and the form to change them for whoever may."""
    employee = request.employee
    if kind not in ("task", "event"):
        raise Http404
    access = selectors.access_task if kind == "task" else selectors.access_event
    item = access(employee, pk)
    can_change = policy.can(employee, "tasks.edit") and selectors.can_change(employee, item)
    assignees, employees = _form_choices(employee, item)
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        initial=ItemForm.initial_for(item),
        kind=kind,
        assignees=assignees,
        employees=employees,
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            update = services.task_update if kind == "task" else services.event_update
            target = "task" if kind == "task" else "event"
            version = form.cleaned_data.get("version")

            def save(fields):
                if fields["assignee"] is None or fields["assignee"].pk == item.assignee_id:
                    fields.pop("assignee")
                return update(actor=employee, version=version, **{target: item}, **fields)

            saved = _save(request, form, save)
            if saved is not None:
                messages.success(request, _("已保存。"))
                return redirect(_calendar_url(saved))
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "schedule/item_form.html",
        {
            "form": form,
            "kind": kind,
            "item": item,
            "customer": item.customer,
            "can_change": can_change,
            "can_delete": can_change and policy.can(employee, "tasks.delete"),
            "calendar_url": _calendar_url(item),
        },
        status=form_status(request, form),
    )


@employee_required
@require_POST
def item_delete(request, kind, pk):
    employee = request.employee
    if kind not in ("task", "event"):
        raise Http404
    access = selectors.access_task if kind == "task" else selectors.access_event
    item = access(employee, pk)
    back = _calendar_url(item)
    try:
        if kind == "task":
            services.task_delete(actor=employee, task=item)
        else:
            services.event_delete(actor=employee, event=item)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("schedule:item_edit", kind=kind, pk=item.pk)
    messages.success(request, _("已删除“%(title)s”。") % {"title": item.title})
    return redirect(back)


@employee_required
@require_GET
def customer_card(request, pk):
    """The tasks and events card of a customer's 360° page (loaded after the page)."""
    employee = request.employee
    policy.require(employee, "tasks.view")
    customer = customer_selectors.access_customer(employee, pk)
    return render(
        request,
        "schedule/_customer_card.html",
        panels.customer_card_content(customer, employee),
    )
