"""Screens of routing and SLAs: the agent board (my status switch, the team's agents with
status, skills, load and idle time, the queues and their waiting tickets), and the
service setup of queues and SLA policies. Thin: they parse input and call ``services`` /
``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.orgs import policy
from guanxi.service.routing import selectors, services
from guanxi.service.routing.forms import QueueForm, SlaPolicyForm

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
