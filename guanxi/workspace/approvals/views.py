"""Screens of approvals: "waiting for me", flows (setup), requisitions and the decision
buttons every document's page can use (``approvals/_panel.html``)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.orgs import policy
from guanxi.workspace.approvals import conditions, registry, requisitions, selectors, services
from guanxi.workspace.approvals.forms import (
    DecisionForm,
    FlowForm,
    RequisitionForm,
    flow_formsets,
)
from guanxi.workspace.approvals.models import ApprovalRequest

PAGE_SIZE = 50


# ---- waiting for me ------------------------------------------------------------------------


@employee_required
@require_GET
def inbox(request):
    """Requests whose current step waits for me, oldest first; then the ones I submitted."""
    employee = request.employee
    page = Paginator(selectors.waiting_queryset(employee=employee), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    mine = list(
        selectors.request_queryset(employee=employee)
        .filter(submitter=employee)
        .order_by("-submitted_at", "-id")[:20]
    )
    return render(request, "approvals/inbox.html", {"page": page, "mine": mine})


def panel_context(employee, record):
    """What ``approvals/_panel.html`` shows for ``record``: its latest request, what this
    employee may do with it, and the whole history (three queries)."""
    latest = services.latest_request(record)
    task = selectors.pending_task_of(latest, employee) if latest is not None else None
    return {
        "request": latest,
        "history": services.history(record) if latest is not None else [],
        "can_decide": task is not None,
        "can_withdraw": latest is not None
        and latest.is_pending
        and latest.submitter_id == employee.pk,
        "decision_form": DecisionForm(),
    }


def _back(request, approval):
    return redirect_back(request, approval.link or reverse("approvals:inbox"))


@employee_required
@require_POST
def request_decide(request, pk, verb):
    """The approve / reject / withdraw buttons of a request, then back to the page."""
    employee = request.employee
    approval = selectors.access_request(employee, pk)
    comment = request.POST.get("comment", "")
    try:
        if verb == "approve":
            services.approve(actor=employee, request=approval, comment=comment)
            messages.success(request, _("已同意。"))
        elif verb == "reject":
            services.reject(actor=employee, request=approval, comment=comment)
            messages.success(request, _("已驳回。"))
        elif verb == "withdraw":
            services.withdraw(actor=employee, request=approval, comment=comment)
            messages.success(request, _("已撤回。"))
        else:
            raise Http404
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    return _back(request, approval)


# ---- flows ---------------------------------------------------------------------------------


@employee_required
@require_GET
def flow_list(request):
    employee = request.employee
    flows = list(selectors.flow_queryset(employee=employee).order_by("document", "priority", "id"))
    for flow in flows:
        document = registry.find(flow.document)
        flow.document_label = document.label if document else flow.document
        flow.condition_text = conditions.describe(document, flow.conditions) if document else ""
        flow.step_list = list(flow.steps.all())
    return render(
        request,
        "approvals/flow_list.html",
        {"flows": flows, "can_edit": policy.can(employee, "approval_flows.edit"),
         "can_create": policy.can(employee, "approval_flows.create")},
    )  # fmt: skip


def _flow_page(request, *, flow, document, form, condition_set, step_set, status=200):
    return render(
        request,
        "approvals/flow_form.html",
        {
            "flow": flow,
            "document": document,
            "documents": registry.choices(),
            "form": form,
            "condition_set": condition_set,
            "step_set": step_set,
        },
        status=status,
    )


def _rows(condition_set, step_set):
    clauses = [form.clause() for form in condition_set.forms]
    steps = [form.step() for form in step_set.forms]
    return [c for c in clauses if c], [s for s in steps if s]


def _show_refusal(form, exc, condition_set, step_set):
    """Service errors on the flow screen: conditions and steps above their tables."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key in ("conditions", "steps"):
            for error in exc.error_dict.pop(key, []):
                target = condition_set if key == "conditions" else step_set
                target.row_errors = [*getattr(target, "row_errors", []), *error.messages]
        if not exc.error_dict:
            form.refusal_status = 400
            return
    refuse(form, exc)


FLOW_FORM_FIELDS = ("name", "description", "priority", "is_active")


def _flow_save(request, flow, document, form, condition_set, step_set, save):
    """The flow screen's POST for a new or an existing flow: ``save(data, clauses,
    steps)`` when the form and both tables are valid, the refusal shown otherwise."""
    if request.method == "POST" and all(
        [form.is_valid(), condition_set.is_valid(), step_set.is_valid()]
    ):
        clauses, steps = _rows(condition_set, step_set)
        try:
            save(form.cleaned_data, clauses, steps)
        except (ValidationError, BusinessRuleError) as exc:
            _show_refusal(form, exc, condition_set, step_set)
        else:
            messages.success(request, _("审批流程已保存。"))
            return redirect("approvals:flow_list")
    status = 200
    if request.method == "POST":
        status = getattr(form, "refusal_status", 400)
    return _flow_page(
        request, flow=flow, document=document, form=form, condition_set=condition_set,
        step_set=step_set, status=status,
    )  # fmt: skip


@employee_required
def flow_create(request):
    employee = request.employee
    policy.require(employee, "approval_flows.create")
    code = request.POST.get("document") or request.GET.get("document") or ""
    document = registry.find(code) or next(
        (registry.get(c) for c, _label in registry.choices()), None
    )
    if document is None:
        raise Http404
    form = FlowForm(request.POST or None, initial={"document": document.code})
    condition_set, step_set = flow_formsets(
        request.POST if request.method == "POST" else None, document=document
    )

    def save(data, clauses, steps):
        services.flow_create(
            actor=employee,
            document=document.code,
            conditions=clauses,
            steps=steps,
            **{name: data[name] for name in FLOW_FORM_FIELDS},
        )

    return _flow_save(request, None, document, form, condition_set, step_set, save)


@employee_required
def flow_edit(request, pk):
    employee = request.employee
    flow = selectors.access_flow(employee, pk, write=True)
    document = registry.find(flow.document)
    if document is None:
        raise Http404
    initial = {
        "document": flow.document,
        "name": flow.name,
        "description": flow.description,
        "priority": flow.priority,
        "is_active": flow.is_active,
        "version": flow.version,
    }
    form = FlowForm(request.POST or None, initial=initial, document_fixed=True)
    condition_set, step_set = flow_formsets(
        request.POST if request.method == "POST" else None,
        document=document,
        flow_conditions=flow.conditions,
        steps=services._snapshot_of(flow),
    )

    def save(data, clauses, steps):
        services.flow_update(
            actor=employee,
            flow=flow,
            version=data.get("version"),
            conditions=clauses,
            steps=steps,
            **{name: data[name] for name in FLOW_FORM_FIELDS},
        )

    return _flow_save(request, flow, document, form, condition_set, step_set, save)


@employee_required
@require_POST
def flow_toggle(request, pk):
    employee = request.employee
    flow = selectors.access_flow(employee, pk, write=True)
    services.flow_set_active(actor=employee, flow=flow, is_active=not flow.is_active)
    if flow.is_active:
        messages.success(request, _("审批流程“%(name)s”已停用。") % {"name": flow.name})
    else:
        messages.success(request, _("审批流程“%(name)s”已启用。") % {"name": flow.name})
    return redirect("approvals:flow_list")


# ---- requisitions --------------------------------------------------------------------------


def refused_with_reason(view):
    """A permission refusal (``requisitions.*``) answers 403 with its translated reason in
    the page, not a bare "403 Forbidden"."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(
                request, "approvals/forbidden.html", {"reason": refusal_text(exc)}, status=403
            )

    return wrapper


@employee_required
@refused_with_reason
@require_GET
def requisition_list(request):
    """My requisitions (an administrator: everyone's), newest first; needs
    ``requisitions.view``."""
    employee = request.employee
    requisitions.require(employee, "view")
    queryset = requisitions.requisition_queryset(employee=employee)
    if not policy.is_admin(employee) or request.GET.get("all") != "1":
        queryset = queryset.filter(submitter=employee)
    page = Paginator(queryset.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "approvals/requisition_list.html",
        {
            "page": page,
            "can_file": requisitions.can(employee, "create"),
            "is_admin": policy.is_admin(employee),
            "showing_all": request.GET.get("all") == "1" and policy.is_admin(employee),
        },
    )


@employee_required
@refused_with_reason
def requisition_create(request):
    employee = request.employee
    requisitions.require(employee, "create")
    form = RequisitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = requisitions.requisition_create(actor=employee, **form.service_kwargs())
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("申请已保存为草稿，确认无误后请提交审批。"))
            return redirect("approvals:requisition_detail", record.pk)
    return render(
        request,
        "approvals/requisition_form.html",
        {"form": form, "requisition": None},
        status=form_status(request, form),
    )


@employee_required
@refused_with_reason
def requisition_edit(request, pk):
    employee = request.employee
    record = requisitions.access_requisition(employee, pk, write="edit")
    if request.method != "POST" and services.is_locked(record):
        messages.error(request, str(services.LOCKED_MESSAGE))
        return redirect("approvals:requisition_detail", record.pk)
    form = RequisitionForm(request.POST or None, initial=RequisitionForm.initial_for(record))
    if request.method == "POST" and form.is_valid():
        try:
            requisitions.requisition_update(
                actor=employee,
                requisition=record,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("申请已保存。"))
            return redirect("approvals:requisition_detail", record.pk)
    return render(
        request,
        "approvals/requisition_form.html",
        {"form": form, "requisition": record},
        status=form_status(request, form),
    )


@employee_required
@refused_with_reason
@require_GET
def requisition_detail(request, pk):
    employee = request.employee
    record = requisitions.access_requisition(employee, pk)
    mine = record.submitter_id == employee.pk
    return render(
        request,
        "approvals/requisition_detail.html",
        {
            "requisition": record,
            "approval": panel_context(employee, record),
            "can_edit": requisitions.may_change(employee, record, "edit"),
            "can_delete": requisitions.may_change(employee, record, "delete"),
            "can_submit": mine
            and record.status in requisitions.EDITABLE
            and requisitions.can(employee, "create"),
        },
    )


@employee_required
@refused_with_reason
@require_POST
def requisition_submit(request, pk):
    employee = request.employee
    record = requisitions.access_requisition(employee, pk)
    try:
        approval = requisitions.requisition_submit(
            actor=employee, requisition=record, comment=request.POST.get("comment", "")
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        if approval is None or approval.status == ApprovalRequest.Status.APPROVED:
            messages.success(request, _("无需审批，申请已通过。"))
        else:
            messages.success(request, _("已提交审批。"))
    return redirect("approvals:requisition_detail", record.pk)


@employee_required
@refused_with_reason
@require_POST
def requisition_delete(request, pk):
    employee = request.employee
    record = requisitions.access_requisition(employee, pk, write="delete")
    try:
        requisitions.requisition_delete(actor=employee, requisition=record)
    except (BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("approvals:requisition_detail", record.pk)
    messages.success(request, _("申请“%(title)s”已删除。") % {"title": record.title})
    return redirect("approvals:requisition_list")
