"""Screens of customer care (客户关怀): upcoming days, my care tasks, holiday greetings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.views import employee_required
from guanxi.customers import care, selectors
from guanxi.customers.models import CareTask, Customer
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.orgs import policy
from guanxi.orgs.selectors import dictionary_entries

TASK_LIMIT = 100


def _refusal_text(exc):
    if isinstance(exc, ValidationError):
        return " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
    if isinstance(exc, BusinessRuleError):
        return exc.message
    return str(exc)


def _back(request):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("customers:care")


@employee_required
def care_home(request):
    employee = request.employee
    policy.require(employee, "customers.view")
    status = request.GET.get("status", CareTask.Status.OPEN)
    if status not in CareTask.Status.values:
        status = CareTask.Status.OPEN
    tasks = care.care_queryset(employee=employee).filter(status=status)
    if request.GET.get("all") != "1":
        tasks = tasks.filter(assignee=employee)
    order = ("due_on", "id") if status == CareTask.Status.OPEN else ("-due_on", "-id")
    levels = [
        (e.code, e.display_label) for e in dictionary_entries(kind=DICTIONARY_FIELDS["level"])
    ]
    return render(
        request,
        "customers/care.html",
        {
            "upcoming": care.upcoming(employee=employee),
            "days": care.reminder_days(employee),
            "tasks": list(tasks.order_by(*order)[:TASK_LIMIT]),
            "status": status,
            "statuses": CareTask.Status.choices,
            "show_all": request.GET.get("all") == "1",
            "back_url": request.get_full_path(),
            "today": timezone.localdate(),
            "can_edit": policy.can(employee, "customers.edit"),
            "levels": levels,
            "stages": Customer.Lifecycle.choices,
        },
    )


@employee_required
@require_POST
def care_task_create(request):
    """A care task for one customer (from the care page or a reminder)."""
    employee = request.employee
    post = request.POST
    try:
        customer = selectors.access_customer(employee, post.get("customer", ""))
        contact = None
        if post.get("contact"):
            contact = selectors.access_contact(employee, post["contact"])
        care.care_task_create(
            actor=employee,
            customer=customer,
            contact=contact,
            kind=post.get("kind") or CareTask.Kind.CUSTOM,
            title=post.get("title", ""),
            due_on=post.get("due_on", ""),
            note=post.get("note", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("关怀任务已创建。"))
    return _back(request)


@employee_required
@require_POST
def care_holiday(request):
    """为选中客户创建节日问候任务: the customers chosen by level and stage (in scope,
    mine only unless asked), or the ``ids`` given."""
    employee = request.employee
    post = request.POST
    ids = post.getlist("ids")
    if not ids:
        customers = selectors.customer_queryset(employee=employee)
        if post.get("level"):
            customers = customers.filter(level=post["level"])
        if post.get("lifecycle_stage"):
            customers = customers.filter(lifecycle_stage=post["lifecycle_stage"])
        if post.get("mine", "1") == "1":
            customers = customers.filter(owner=employee)
        ids = list(customers.order_by("id").values_list("pk", flat=True)[: care.HOLIDAY_MAX + 1])
    try:
        count = care.care_holiday_create(
            actor=employee,
            customer_ids=ids,
            title=post.get("title", ""),
            due_on=post.get("due_on", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("已为 %(n)d 个客户创建节日问候任务。") % {"n": count})
    return _back(request)


def _close(request, pk, service, done_message):
    employee = request.employee
    task = care.access_task(employee, pk)
    try:
        service(actor=employee, task=task, note=request.POST.get("note", ""))
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, done_message % {"title": task.title})
    return _back(request)


@employee_required
@require_POST
def care_task_done(request, pk):
    return _close(request, pk, care.care_task_complete, _("关怀任务“%(title)s”已完成。"))


@employee_required
@require_POST
def care_task_cancel(request, pk):
    return _close(request, pk, care.care_task_cancel, _("关怀任务“%(title)s”已取消。"))


@employee_required
def care_panel(request, pk):
    """The care card of a customer page: open tasks, care history, a new task."""
    employee = request.employee
    customer = selectors.access_customer(employee, pk)
    tasks = list(
        care.care_queryset(employee=employee)
        .filter(customer=customer)
        .exclude(status=CareTask.Status.CANCELLED)
        .order_by("-due_on", "-id")[:20]
    )
    return render(
        request,
        "customers/care_panel.html",
        {
            "customer": customer,
            "open_tasks": [t for t in tasks if t.status == CareTask.Status.OPEN],
            "history": [t for t in tasks if t.status == CareTask.Status.DONE],
            "can_edit": policy.can(employee, "customers.edit"),
            "today": timezone.localdate(),
            "back_url": reverse("customers:customer_detail", args=[customer.pk]),
            "kinds": CareTask.Kind.choices,
        },
    )


@employee_required
def care_bell(request):
    """The bell's care badge, loaded after the page: open care tasks due soon."""
    return render(
        request, "customers/_care_bell.html", {"count": care.bell_count(request.employee)}
    )
