"""Screens of routing and SLAs: the agent board (my status switch, the team's agents with
status, skills, load and idle time, the queues and their waiting tickets), and the
service setup of queues, SLA policies and the work calendar (holidays and make-up
working days). Thin: they parse input and call ``services`` /
``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.orgs import policy
from guanxi.service.routing import selectors, services
from guanxi.service.routing.forms import (
    CalendarDaysForm,
    CalendarImportForm,
    QueueForm,
    SlaPolicyForm,
)
from guanxi.service.routing.models import CalendarDay

SETUP = selectors.SETUP
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)
STATUS_EVENT = "serviceStatusChanged"


def _htmx(request):
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


# ---- the agent board -----------------------------------------------------------------------


def _board_context(employee):
    return {
        "agents": selectors.agent_rows(root_path=selectors.board_root(employee)),
        "queues": selectors.board_queues(employee=employee),
        "me": employee,
    }


@employee_required
@require_GET
def agent_board(request):
    """The board; an htmx request (after a status change, or the minute refresh) gets
    the board body only."""
    employee = request.employee
    policy.require(employee, "tickets.view")
    context = _board_context(employee)
    if _htmx(request):
        response = render(request, "routing/_board.html", context)
    else:
        context["can_setup"] = policy.can(employee, f"{SETUP}.view")
        response = render(request, "routing/agent_board.html", context)
    response["Vary"] = "HX-Request"
    return response


@employee_required
@require_POST
def agent_status(request):
    """My status switch. htmx: the switch again (with the refusal, if any) and, when
    changed, an event the board listens to."""
    employee = request.employee
    wanted = request.POST.get("service_status", "")
    try:
        services.agent_set_status(actor=employee, service_status=wanted)
    except REFUSALS as exc:
        if _htmx(request):  # the switch again, with the refusal beside it
            return render(
                request, "routing/_status_switch.html", {"switch_error": refusal_text(exc)}
            )
        messages.error(request, refusal_text(exc))
        return redirect_back(request, "service_routing:agent_board")
    employee.refresh_from_db(fields=["service_status", "service_status_at"])
    if _htmx(request):
        response = render(request, "routing/_status_switch.html", {})
        response["HX-Trigger"] = STATUS_EVENT
        return response
    messages.success(
        request,
        _("坐席状态已改为：%(status)s") % {"status": employee.get_service_status_display()},
    )
    return redirect_back(request, "service_routing:agent_board")


# ---- setup: queues -------------------------------------------------------------------------


@employee_required
@require_GET
def queue_list(request):
    policy.require(request.employee, f"{SETUP}.view")
    return render(
        request,
        "routing/queue_list.html",
        {
            "queues": selectors.queue_queryset(),
            "labels": _labels(),
            "can_edit": policy.can(request.employee, f"{SETUP}.edit"),
        },
    )


def _labels():
    from guanxi.orgs.selectors import dictionary_labels

    return dictionary_labels(kinds=["ticket_category", "skill", "customer_level"])


def _queue_form(request, queue):
    policy.require(request.employee, f"{SETUP}.edit")
    if request.method == "POST":
        form = QueueForm(request.POST)
        if form.is_valid():
            try:
                if queue is None:
                    services.queue_create(actor=request.employee, **form.service_fields())
                    messages.success(request, _("服务队列已创建。"))
                else:
                    services.queue_update(
                        actor=request.employee,
                        queue=queue,
                        version=request.POST.get("version") or None,
                        **form.service_fields(),
                    )
                    messages.success(request, _("服务队列已保存。"))
                return redirect("service_routing:queue_list")
            except REFUSALS as exc:
                refuse(form, exc)
    else:
        form = QueueForm(initial=QueueForm.initial_for(queue) if queue else None)
    return render(
        request,
        "routing/queue_form.html",
        {"form": form, "queue": queue},
        status=form_status(request, form),
    )


@employee_required
@require_http_methods(["GET", "POST"])
def queue_create(request):
    return _queue_form(request, None)


@employee_required
@require_http_methods(["GET", "POST"])
def queue_edit(request, pk):
    return _queue_form(request, selectors.access_queue(request.employee, pk, write=True))


@employee_required
@require_POST
def queue_delete(request, pk):
    queue = selectors.access_queue(request.employee, pk, write=True)
    services.queue_delete(actor=request.employee, queue=queue)
    messages.success(request, _("服务队列已删除。"))
    return redirect("service_routing:queue_list")


# ---- setup: SLA policies -------------------------------------------------------------------


@employee_required
@require_GET
def sla_policy_list(request):
    policy.require(request.employee, f"{SETUP}.view")
    return render(
        request,
        "routing/sla_policy_list.html",
        {
            "policies": selectors.sla_policy_queryset(),
            "labels": _labels(),
            "can_edit": policy.can(request.employee, f"{SETUP}.edit"),
        },
    )


def _sla_form(request, sla):
    policy.require(request.employee, f"{SETUP}.edit")
    if request.method == "POST":
        form = SlaPolicyForm(request.POST)
        if form.is_valid():
            try:
                if sla is None:
                    services.sla_policy_create(actor=request.employee, **form.service_fields())
                    messages.success(request, _("SLA 策略已创建。"))
                else:
                    services.sla_policy_update(
                        actor=request.employee,
                        sla=sla,
                        version=request.POST.get("version") or None,
                        **form.service_fields(),
                    )
                    messages.success(request, _("SLA 策略已保存。"))
                return redirect("service_routing:sla_policy_list")
            except REFUSALS as exc:
                refuse(form, exc)
    else:
        form = SlaPolicyForm(initial=SlaPolicyForm.initial_for(sla) if sla else None)
    return render(
        request,
        "routing/sla_policy_form.html",
        {"form": form, "sla": sla},
        status=form_status(request, form),
    )


@employee_required
@require_http_methods(["GET", "POST"])
def sla_policy_create(request):
    return _sla_form(request, None)


@employee_required
@require_http_methods(["GET", "POST"])
def sla_policy_edit(request, pk):
    return _sla_form(request, selectors.access_sla_policy(request.employee, pk, write=True))


@employee_required
@require_POST
def sla_policy_delete(request, pk):
    sla = selectors.access_sla_policy(request.employee, pk, write=True)
    services.sla_policy_delete(actor=request.employee, sla=sla)
    messages.success(request, _("SLA 策略已删除。"))
    return redirect("service_routing:sla_policy_list")


# ---- setup: the work calendar --------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(raw) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return min(max(year, FIRST_YEAR), LAST_YEAR)


def _calendar_page(request, year, *, add_form=None, import_form=None, status=200):
    days = list(selectors.calendar_year(year))
    holiday = CalendarDay.Kind.HOLIDAY
    return render(
        request,
        "routing/calendar.html",
        {
            "year": year,
            "previous_year": year - 1 if year > FIRST_YEAR else None,
            "next_year": year + 1 if year < LAST_YEAR else None,
            "days": days,
            "holidays": sum(1 for day in days if day.kind == holiday),
            "workdays": sum(1 for day in days if day.kind != holiday),
            "can_edit": policy.can(request.employee, f"{SETUP}.edit"),
            "add_form": add_form or CalendarDaysForm(),
            "import_form": import_form or CalendarImportForm(),
        },
        status=status,
    )


def _calendar_url(year):
    return f"{reverse('service_routing:calendar_list')}?year={year}"


@employee_required
@require_GET
def calendar_list(request):
    """A year's holidays and make-up working days, with the forms to add some."""
    policy.require(request.employee, f"{SETUP}.view")
    return _calendar_page(request, _year(request.GET.get("year")))


@employee_required
@require_POST
def calendar_add(request):
    """One day or a range of days with one name; the page again with errors if refused."""
    policy.require(request.employee, f"{SETUP}.edit")
    form = CalendarDaysForm(request.POST)
    if form.is_valid():
        try:
            made = services.calendar_days_add(actor=request.employee, **form.service_fields())
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已添加 %(count)d 天。") % {"count": len(made)})
            return HttpResponseRedirect(_calendar_url(made[0].date.year))
    year = form.cleaned_data["start"].year if form.cleaned_data.get("start") else None
    return _calendar_page(
        request,
        _year(year or request.POST.get("year")),
        add_form=form,
        status=form_status(request, form),
    )


@employee_required
@require_POST
def calendar_import(request):
    """Pasted lines; every problem listed with its line number, nothing written then."""
    policy.require(request.employee, f"{SETUP}.edit")
    form = CalendarImportForm(request.POST)
    if form.is_valid():
        try:
            made = services.calendar_days_import(
                actor=request.employee, text=form.cleaned_data["text"]
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已导入 %(count)d 天。") % {"count": len(made)})
            return HttpResponseRedirect(_calendar_url(min(day.date for day in made).year))
    return _calendar_page(
        request,
        _year(request.POST.get("year")),
        import_form=form,
        status=form_status(request, form),
    )


@employee_required
@require_POST
def calendar_delete(request, pk):
    day = selectors.access_calendar_day(request.employee, pk, write=True)
    services.calendar_day_delete(actor=request.employee, day=day)
    messages.success(
        request, _("已删除 %(date)s %(name)s。") % {"date": day.date.isoformat(), "name": day.name}
    )
    return HttpResponseRedirect(_calendar_url(day.date.year))
