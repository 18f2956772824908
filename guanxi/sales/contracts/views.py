"""Contract screens: list, detail (lines, payment plan, approval, receivables, files),
create/edit form, status actions, and the card on the customer 360° page."""

import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.orgs import policy
from guanxi.sales import forms as sales_forms
from guanxi.sales import paging
from guanxi.sales.contracts import documents, selectors, services
from guanxi.sales.contracts.filters import ContractFilter
from guanxi.sales.contracts.forms import ContractForm, UploadForm, plan_from_post
from guanxi.sales.contracts.models import Contract
from guanxi.sales.receivables.selectors import receivables_for_source
from guanxi.workspace.activity_views import attachment_response
from guanxi.workspace.approvals.views import panel_context

PAGE_SIZE = 50
CUSTOMER_CHOICES = 200


def totals_of(document, places):
    """The totals block of ``sales/_lines_table.html``, at the document's places."""
    step = Decimal(1).scaleb(-int(places))
    return {
        "subtotal": document.subtotal.quantize(step),
        "discount": document.discount_amount.quantize(step),
        "amount": document.amount.quantize(step),
        "tax": document.tax.quantize(step),
        "total": document.total.quantize(step),
        "places": places,
    }


def customer_choices(employee, selected_id=None):
    """The customers a form offers: the latest the employee may see, and the chosen one."""
    visible = customer_selectors.customer_queryset(employee=employee).select_related(None)
    customers = list(visible.only("id", "name").order_by("-id")[:CUSTOMER_CHOICES])
    if selected_id and selected_id not in {c.pk for c in customers}:
        chosen = visible.only("id", "name").filter(pk=selected_id).first()
        if chosen is not None:
            customers.insert(0, chosen)
    return customers


def contact_choices(customer_id):
    if not customer_id:
        return []
    return list(
        Contact.objects.filter(customer_id=customer_id).only("id", "name").order_by("name", "id")
    )


def quote_of(request, value):
    """The quote a new contract or order starts from (``?quote=``), or None; an unusable
    one is said on the page and left out."""
    if not selected_id(value):
        return None
    try:
        return documents.source_quote(request.employee, value)
    except (ValidationError, BusinessRuleError) as exc:
        messages.error(request, refusal_text(exc))
        return None


def split_errors(form, exc):
    """A service's ValidationError on a document form: the ``lines`` and ``payment_plan``
    messages go to their editors (returned), the rest onto the form."""
    errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    line_errors = errors.pop("lines", [])
    plan_errors = errors.pop("payment_plan", [])
    if errors:
        refuse(form, ValidationError(errors))
    return line_errors, plan_errors


def selected_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@employee_required
@require_GET
def contract_list(request):
    employee = request.employee
    policy.require(employee, "contracts.view")
    queryset = (
        selectors.contract_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "owner")
        .order_by("-id")
    )
    filters = ContractFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    places = documents.org_settings(employee.org_id).contract_decimals
    return render(
        request,
        "contracts/contract_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "places": places,
            "statuses": Contract.Status.choices,
            "can_create": policy.can(employee, "contracts.create"),
        },
    )


def _plan_context(rows, places):
    return {
        "plan_initial": json.dumps(
            [{"amount": str(r["amount"]), "due_date": str(r["due_date"])} for r in rows],
            ensure_ascii=False,
        ),
        "plan_places": places,
    }


def _form_page(request, *, contract=None):
    employee = request.employee
    settings = documents.org_settings(employee.org_id)
    places = settings.contract_decimals
    source = request.POST if request.method == "POST" else request.GET
    quote = None if contract is not None else quote_of(request, source.get("quote"))
    customer_id = (
        (quote and quote.customer_id)
        or selected_id(source.get("customer"))
        or (contract and contract.customer_id)
    )
    form_kwargs = {
        "customers": customer_choices(employee, customer_id),
        "contacts": contact_choices(customer_id),
    }
    line_errors: list = []
    plan_errors: list = []
    if request.method == "POST":
        form = ContractForm(request.POST, **form_kwargs)
        line_rows: list = []
        plan_rows: list = []
        try:
            line_rows = sales_forms.lines_from_post(request.POST)
            plan_rows = plan_from_post(request.POST)
        except ValidationError as exc:
            refuse(form, exc)
        if form.is_valid() and not form.errors:
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if contract is None:
                    contract = services.contract_create(
                        actor=employee,
                        lines=line_rows,
                        payment_plan=plan_rows,
                        quote=quote,
                        **data,
                    )
                    messages.success(request, _("合同 %(code)s 已保存。") % {"code": contract.code})
                else:
                    services.contract_update(
                        actor=employee, contract=contract, version=version, lines=line_rows,
                        payment_plan=plan_rows, **data,
                    )  # fmt: skip
                    messages.success(request, _("合同已更新。"))
                return redirect("contracts:contract_detail", contract.pk)
            except ValidationError as exc:
                line_errors, plan_errors = split_errors(form, exc)
            except (BusinessRuleError, PermissionDenied) as exc:
                form.add_error(None, refusal_text(exc))
                form.refusal_status = getattr(exc, "status_code", 403)
        editor = sales_forms.editor_context(
            org_id=employee.org_id, rows=line_rows, places=places, currency=settings.currency,
            errors=line_errors,
        )  # fmt: skip
        plan = _plan_context(plan_rows, places)
    else:
        if contract is not None:
            form = ContractForm(initial=ContractForm.initial_for(contract), **form_kwargs)
            rows = list(contract.lines.select_related("product"))
            step = Decimal(1).scaleb(-int(places))
            plan_rows = [
                {"amount": i.amount.quantize(step), "due_date": i.due_date}
                for i in contract.instalments.all()
            ]
        elif quote is not None:
            initial = {"customer": customer_id, "contact": quote.contact_id, "title": quote.title}
            form = ContractForm(initial=initial, **form_kwargs)
            rows, plan_rows = list(quote.lines.all()), []
        else:
            form = ContractForm(initial={"customer": customer_id}, **form_kwargs)
            rows, plan_rows = [], []
        editor = sales_forms.editor_context(
            org_id=employee.org_id, rows=rows, places=places, currency=settings.currency
        )
        plan = _plan_context(plan_rows, places)
    status = 400 if (line_errors or plan_errors) else form_status(request, form)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "contract": contract,
            "quote": quote,
            "plan_errors": plan_errors,
            **editor,
            **plan,
        },
        status=status,
    )


@employee_required
def contract_create(request):
    policy.require(request.employee, "contracts.create")
    return _form_page(request)


@employee_required
def contract_edit(request, pk):
    contract = selectors.access_contract(request.employee, pk, write=True)
    if not contract.is_editable:
        messages.error(
            request, _("合同%(status)s，不能修改。") % {"status": contract.get_status_display()}
        )
        return redirect("contracts:contract_detail", contract.pk)
    return _form_page(request, contract=contract)


@employee_required
@require_GET
def contract_detail(request, pk):
    employee = request.employee
    queryset = selectors.with_details(selectors.contract_queryset(employee=employee))
    try:
        contract = queryset.get(pk=int(pk))
    except (Contract.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    policy.require(employee, "contracts.view")
    places = documents.org_settings(employee.org_id).contract_decimals
    can_edit = policy.can(employee, "contracts.edit")
    step = Decimal(1).scaleb(-int(places))
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "lines": contract.lines.all(),
            "totals": totals_of(contract, places),
            "currency": contract.currency,
            "instalments": [(i, i.amount.quantize(step)) for i in contract.instalments.all()],
            "receivables": list(
                receivables_for_source(source_type="contract", source_id=contract.pk)
            ),
            "approval": panel_context(employee, contract),
            "can_edit": can_edit and contract.is_editable,
            "can_submit": can_edit and contract.is_editable,
            "can_close": can_edit and contract.status == Contract.Status.EFFECTIVE,
            "can_delete": policy.can(employee, "contracts.delete") and contract.is_editable,
            "can_upload": can_edit,
            "can_order": policy.can(employee, "orders.create")
            and contract.status == Contract.Status.EFFECTIVE,
            "upload_form": UploadForm(),
            "max_mb": services.MAX_UPLOAD_BYTES // 1048576,
        },
    )


@employee_required
@require_POST
def contract_submit(request, pk):
    employee = request.employee
    contract = selectors.access_contract(employee, pk, write=True)
    try:
        approval = services.contract_submit(
            actor=employee, contract=contract, comment=request.POST.get("comment", "")
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        if approval is not None and approval.is_pending:
            messages.success(request, _("已提交审批。"))
        else:
            messages.success(request, _("合同已生效，已按收款计划生成应收款。"))
    return redirect("contracts:contract_detail", contract.pk)


@employee_required
@require_POST
def contract_close(request, pk, verb):
    employee = request.employee
    contract = selectors.access_contract(employee, pk, write=True)
    service = {"complete": services.contract_complete, "terminate": services.contract_terminate}
    if verb not in service:
        raise Http404
    try:
        service[verb](actor=employee, contract=contract)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("合同已完成。") if verb == "complete" else _("合同已终止。"))
    return redirect("contracts:contract_detail", contract.pk)


@employee_required
@require_POST
def contract_delete(request, pk):
    employee = request.employee
    contract = selectors.access_contract(employee, pk)
    try:
        services.contract_delete(actor=employee, contract=contract)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("contracts:contract_detail", contract.pk)
    messages.success(request, _("合同 %(code)s 已删除。") % {"code": contract.code})
    return redirect("contracts:contract_list")


@employee_required
@require_POST
def attachment_upload(request, pk):
    employee = request.employee
    contract = selectors.access_contract(employee, pk, write=True)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            attachment = services.attachment_upload(
                actor=employee, contract=contract, upload=form.cleaned_data["file"]
            )
        except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(
                request, _("文件“%(name)s”已上传。") % {"name": attachment.original_name}
            )
    return redirect(reverse("contracts:contract_detail", args=[contract.pk]) + "#files")


@employee_required
@require_GET
def attachment_download(request, pk):
    """The file, only for someone who may see its contract (404 otherwise)."""
    return attachment_response(selectors.access_attachment(request.employee, pk))


@employee_required
@require_POST
def attachment_delete(request, pk):
    employee = request.employee
    attachment = selectors.access_attachment(employee, pk)
    try:
        services.attachment_delete(actor=employee, attachment=attachment)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("文件“%(name)s”已删除。") % {"name": attachment.original_name})
    return redirect(reverse("contracts:contract_detail", args=[attachment.contract_id]) + "#files")


@employee_required
@require_GET
def customer_card(request, pk):
    """The contracts card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, "contracts.view")
    places = documents.org_settings(employee.org_id).contract_decimals
    return render(
        request,
        "contracts/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "contracts": selectors.customer_contracts(employee=employee, customer_id=customer.pk),
            "places": places,
            "can_create": policy.can(employee, "contracts.create"),
        },
    )
