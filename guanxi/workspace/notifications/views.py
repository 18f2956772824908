"""Notification screens: the bell (loaded after the page, polled every minute), the full
list, opening one (marks it read, then goes to its record), the employee's channel
settings, and the org's group robots (admin / ``parameters.edit``)."""

import urllib.parse

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.orgs import policy
from guanxi.workspace.notifications import kinds, selectors, services
from guanxi.workspace.notifications.filters import NotificationFilter
from guanxi.workspace.notifications.forms import RobotForm

PAGE_SIZE = 30
ID_MAX = 2**62


def _present(notification):
    notification.kind_label = kinds.label(notification.kind)
    return notification


@require_GET
@employee_required
def bell(request):
    """The bell's unread badge and its dropdown's latest unread notifications."""
    employee = request.employee
    latest = [_present(n) for n in selectors.latest_unread(employee=employee)]
    count = selectors.unread_count(employee=employee) if latest else 0
    # "全部已读" comes back to the page the bell is on
    back = urllib.parse.urlsplit(request.headers.get("HX-Current-URL", "")).path
    response = render(
        request, "notifications/_bell.html", {"count": count, "latest": latest, "back": back}
    )
    add_never_cache_headers(response)
    return response


def _before(request):
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < ID_MAX else None


@require_GET
@employee_required
def notification_list(request):
    """All my notifications, newest first; filters ``unread`` and ``kind``; pages by
    ``before`` (the last id shown), so a far page costs what the first does."""
    employee = request.employee
    filterset = NotificationFilter(
        request.GET, queryset=selectors.notification_queryset(employee=employee)
    )
    notifications = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    before = _before(request)
    if before is not None:
        notifications = notifications.filter(pk__lt=before)
    rows = list(notifications.order_by("-id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = [_present(n) for n in rows[:PAGE_SIZE]]
    params = request.GET.copy()
    params.pop("before", None)
    next_query = ""
    if more:
        params["before"] = rows[-1].pk
        next_query = params.urlencode()
    return render(
        request,
        "notifications/notification_list.html",
        {
            "notifications": rows,
            "filter": filterset,
            "kinds": kinds.choices(),
            "unread": request.GET.get("unread", ""),
            "kind": request.GET.get("kind", ""),
            "next_query": next_query,
            "first_page": before is None,
            "first_query": params.urlencode(),
        },
    )


@require_GET
@employee_required
def notification_open(request, pk):
    """Open one of my notifications: it becomes read, and I go to its record."""
    notification = selectors.access_notification(request.employee, pk)
    services.notification_mark_read(actor=request.employee, notification=notification)
    if notification.link:
        return redirect(notification.link)
    return redirect("notifications:list")


@require_POST
@employee_required
def notification_read(request, pk):
    notification = selectors.access_notification(request.employee, pk)
    services.notification_mark_read(actor=request.employee, notification=notification)
    return redirect_back(request, "notifications:list")


@require_POST
@employee_required
def notification_read_all(request):
    kind = request.POST.get("kind", "")
    marked = services.notification_read_all(
        actor=request.employee, kind=kind if kinds.is_registered(kind) else None
    )
    messages.success(request, _("已将 %(n)d 条通知标记为已读。") % {"n": marked})
    return redirect_back(request, "notifications:list")


@employee_required
def preference_settings(request):
    """通知设置: my channels per kind (the bell always; e-mail and group robot chosen)."""
    employee = request.employee
    rows = selectors.preferences(employee=employee)
    if request.method == "POST":
        chosen = {
            kind.code: [c for c in request.POST.getlist(f"channels-{kind.code}") if c]
            for kind, _current in rows
        }
        try:
            services.preferences_set(actor=employee, chosen=chosen)
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("notifications:settings")
        rows = selectors.preferences(employee=employee)
    table = [
        {
            "kind": kind,
            "email": kinds.EMAIL in chosen,
            "robot": kinds.ROBOT in chosen,
        }
        for kind, chosen in rows
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": table, "has_email": bool(employee.email)},
    )


# ---- robots --------------------------------------------------------------------------------


def _require_manage(employee):
    policy.require(employee, selectors.MANAGE)


@require_GET
@employee_required
def robot_list(request):
    _require_manage(request.employee)
    robots = list(selectors.robot_queryset(employee=request.employee))
    labels = dict(kinds.choices())
    for robot in robots:
        robot.webhook_hint = services.webhook_hint(robot.webhook_url)
        robot.kind_labels = [str(labels.get(code, code)) for code in robot.kinds]
    return render(request, "notifications/robot_list.html", {"robots": robots})


def _robot_form_page(request, robot=None):
    employee = request.employee
    _require_manage(employee)
    if robot is not None:
        robot.webhook_hint = services.webhook_hint(robot.webhook_url)
    if request.method == "POST":
        form = RobotForm(request.POST, robot=robot)
        if form.is_valid():
            try:
                if robot is None:
                    saved = services.robot_create(actor=employee, **form.service_fields())
                else:
                    saved = services.robot_update(
                        actor=employee,
                        robot=robot,
                        version=form.cleaned_data.get("version"),
                        **form.service_fields(),
                    )
            except (ValidationError, BusinessRuleError) as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("群机器人“%(name)s”已保存。") % {"name": saved.name})
                return redirect("notifications:robot_edit", saved.pk)
    elif robot is None:
        form = RobotForm(initial={"is_active": True})
    else:
        form = RobotForm(initial=RobotForm.initial_for(robot), robot=robot)
    deliveries = selectors.robot_deliveries(robot=robot) if robot is not None else []
    response = render(
        request,
        "notifications/robot_form.html",
        {"form": form, "robot": robot, "deliveries": deliveries},
    )
    response.status_code = form_status(request, form)
    return response


@employee_required
def robot_create(request):
    return _robot_form_page(request)


@employee_required
def robot_edit(request, pk):
    return _robot_form_page(request, selectors.access_robot(request.employee, pk))


@require_POST
@employee_required
def robot_delete(request, pk):
    robot = selectors.access_robot(request.employee, pk)
    services.robot_delete(actor=request.employee, robot=robot)
    messages.success(request, _("群机器人“%(name)s”已删除。") % {"name": robot.name})
    return redirect("notifications:robot_list")


@require_POST
@employee_required
def robot_clear_secret(request, pk):
    robot = selectors.access_robot(request.employee, pk)
    services.robot_clear_secret(actor=request.employee, robot=robot)
    messages.success(request, _("签名密钥已清除。"))
    return redirect("notifications:robot_edit", robot.pk)


@require_POST
@employee_required
def robot_test(request, pk):
    robot = selectors.access_robot(request.employee, pk)
    try:
        services.robot_test(actor=request.employee, robot=robot)
    except PermissionDenied as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("测试消息已排队发送，稍后刷新查看发送记录。"))
    return redirect("notifications:robot_edit", robot.pk)
