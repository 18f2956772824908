"""Screens of expenses: the list (filters, totals of the filtered set, Excel export),
the expense page (receipts, approval, reimbursement), the create/edit form, and the
cards on the customer 360° page and the opportunity page (htmx, loaded after the
page). Thin: they parse input and call ``services`` / ``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales import paging
from guanxi.sales.expenses import exports, selectors, services
from guanxi.sales.expenses.filters import ExpenseFilter
from guanxi.sales.expenses.forms import ExpenseForm
from guanxi.sales.expenses.models import Expense
from guanxi.sales.opportunities.models import Opportunity
from guanxi.workspace.activity_views import attachment_response
from guanxi.workspace.approvals import views as approval_views

MODULE = selectors.MODULE
PAGE_SIZE = 30
CHOICES = 200
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _may(employee, action):
    return policy.can(employee, f"{MODULE}.{action}")


# ---- pickers ---------------------------------------------------------------------------


def _visible_customers(employee):
    return customer_selectors.customer_queryset(employee=employee).select_related(None)


def customer_choices(employee, selected_id=None):
    """The customers the form offers: the latest the employee may see, and the chosen one."""
    visible = _visible_customers(employee).only("id", "name")
    customers = list(visible.order_by("-id")[:CHOICES])
    if selected_id and selected_id not in {c.pk for c in customers}:
        chosen = visible.filter(pk=selected_id).first()
        if chosen is not None:
            customers.insert(0, chosen)
    return customers


def _visible_opportunities(employee):
    if not policy.can(employee, "opportunities.view"):
        return Opportunity.objects.none()
    return policy.scope_queryset(employee, "opportunities", Opportunity.objects.all())


def opportunity_choices(employee, customer_id=None, selected_id=None):
    """The opportunities the form offers: the chosen customer's (else the employee's
    latest open ones), and the chosen one."""
    visible = _visible_opportunities(employee).only("id", "name", "customer_id")
    if customer_id:
        rows = list(visible.filter(customer_id=customer_id).order_by("-id")[:CHOICES])
    else:
        rows = list(visible.filter(status="open").order_by("-id")[:CHOICES])
    if selected_id and selected_id not in {o.pk for o in rows}:
        chosen = visible.filter(pk=selected_id).first()
        if chosen is not None:
            rows.insert(0, chosen)
    return rows


@employee_required
@require_GET
def opportunity_options(request):
    """The ``<option>``s of the opportunity select for the chosen customer (htmx)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    customer_id = _int(request.GET.get("customer"))
    if customer_id and not _visible_customers(employee).filter(pk=customer_id).exists():
        customer_id = None
    rows = opportunity_choices(employee, customer_id)
    return render(request, "expenses/_opportunity_options.html", {"opportunities": rows})


# ---- list and export -------------------------------------------------------------------


def _filtered(request):
    employee = request.employee
    queryset = selectors.expense_queryset(employee=employee).order_by("-incurred_on", "-id")
    return ExpenseFilter(request.GET or None, queryset=queryset)


@employee_required
@require_GET
def expense_list(request):
    """Expenses in the employee's scope, latest incurred first, keyset-paginated (the
    sales lists' rules); filters: status, category, employee, customer, date range,
    reimbursed, text; the totals of the whole filtered set, per currency."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    filters = _filtered(request)
    queryset = filters.qs
    rows, pager = paging.keyset_page(
        request, queryset, order=("-incurred_on", "-pk"), size=PAGE_SIZE
    )
    customer_id = _int(request.GET.get("customer"))
    picked = (
        _visible_customers(employee).only("id", "name").filter(pk=customer_id).first()
        if customer_id
        else None
    )
    places, _currency = services.org_parameters(employee.org_id)
    return render(
        request,
        "expenses/expense_list.html",
        {
            "filter": filters,
            "rows": rows,
            **pager,
            "totals": selectors.totals(queryset),
            "statuses": Expense.Status.choices,
            "categories": Expense.Category.choices,
            "owners": Employee.objects.filter(status=Employee.Status.ACTIVE)
            .only("id", "name")
            .order_by("name", "id"),
            "picked_customer": picked,
            "places": places,
            "can_create": _may(employee, "create"),
            "can_export": _may(employee, "export"),
        },
    )


@employee_required
@require_GET
def expense_export(request):
    """The filtered list as an Excel workbook (``expenses.export``); the export is logged."""
    from guanxi.audit import services as audit

    employee = request.employee
    policy.require(employee, f"{MODULE}.export")
    filters = _filtered(request)
    places, _currency = services.org_parameters(employee.org_id)
    body, count = exports.expenses_xlsx(filters.qs, places=places)
    audit.record_export(
        actor=employee,
        entity="expenses.expense",
        row_count=count,
        file_format="xlsx",
        filters={k: v for k, v in request.GET.items() if v},
    )
    name = "{}-{}.xlsx".format(_("费用"), timezone.localdate().isoformat())
    return spreadsheet.download(body, name)


# ---- create / edit ---------------------------------------------------------------------


def _linked(employee, form):
    """The customer and opportunity records the form names (None when out of scope: the
    service then answers "does not exist")."""
    data = dict(form.cleaned_data)
    data.pop("version", None)
    customer_id = data.pop("customer")
    opportunity_id = data.pop("opportunity")
    data["customer"] = (
        _visible_customers(employee).filter(pk=customer_id).first() if customer_id else None
    )
    if customer_id and data["customer"] is None:
        raise ValidationError({"customer": [_("客户不存在。")]})
    data["opportunity"] = (
        _visible_opportunities(employee).filter(pk=opportunity_id).first()
        if opportunity_id
        else None
    )
    if opportunity_id and data["opportunity"] is None:
        raise ValidationError({"opportunity": [_("商机不存在。")]})
    return data


def _form_page(request, form, expense, status=200):
    return render(
        request,
        "expenses/expense_form.html",
        {
            "form": form,
            "expense": expense,
            "max_receipts": services.MAX_RECEIPTS,
            "extensions": ", ".join(services.RECEIPT_EXTENSIONS),
        },
        status=status,
    )


def _make_form(request, employee, *, initial, expense=None):
    source = request.POST if request.method == "POST" else request.GET
    customer_id = _int(source.get("customer")) or initial.get("customer")
    opportunity_id = _int(source.get("opportunity")) or initial.get("opportunity")
    if request.method == "GET" and opportunity_id and not customer_id:
        chosen = _visible_opportunities(employee).filter(pk=opportunity_id).first()
        customer_id = chosen.customer_id if chosen else None
        initial["customer"] = customer_id
    initial.setdefault("opportunity", opportunity_id)
    return ExpenseForm(
        request.POST or None,
        initial=initial,
        customers=customer_choices(employee, customer_id),
        opportunities=opportunity_choices(employee, customer_id, opportunity_id),
        opportunity_url=reverse("expenses:opportunity_options"),
    )


@employee_required
def expense_create(request):
    """A new expense with its receipts; ``?customer=`` / ``?opportunity=`` preselect."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.create")
    _places, currency = services.org_parameters(employee.org_id)
    initial = {
        "currency": currency,
        "incurred_on": timezone.localdate(),
        "customer": _int(request.GET.get("customer")),
    }
    form = _make_form(request, employee, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = _linked(employee, form)
            expense = services.expense_create(
                actor=employee, receipts=request.FILES.getlist("receipts"), **data
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("费用 %(code)s 已保存。") % {"code": expense.code})
            return redirect("expenses:expense_detail", expense.pk)
    return _form_page(request, form, None, form_status(request, form))


@employee_required
def expense_edit(request, pk):
    """Edit a draft or rejected expense."""
    employee = request.employee
    expense = selectors.access_expense(employee, pk, write=True)
    if request.method == "GET":
        try:
            services.check_editable(expense)
        except BusinessRuleError as exc:
            messages.error(request, str(exc.message))
            return redirect("expenses:expense_detail", expense.pk)
    form = _make_form(request, employee, initial=ExpenseForm.initial_for(expense), expense=expense)
    if request.method == "POST" and form.is_valid():
        try:
            data = _linked(employee, form)
            services.expense_update(
                actor=employee, expense=expense, version=form.cleaned_data.get("version"), **data
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("expenses:expense_detail", expense.pk)
    return _form_page(request, form, expense, form_status(request, form))


# ---- the expense page ------------------------------------------------------------------


def _actions(employee, expense, approval):
    pending = approval["request"] is not None and approval["request"].is_pending
    editable = expense.editable and not pending
    return {
        "edit": editable and _may(employee, "edit"),
        "submit": editable and _may(employee, "edit"),
        "delete": editable and _may(employee, "delete"),
        "reimburse": expense.status == Expense.Status.APPROVED and _may(employee, "approve"),
    }


@employee_required
@require_GET
def expense_detail(request, pk):
    employee = request.employee
    expense = selectors.access_expense(employee, pk)
    approval = approval_views.panel_context(employee, expense)
    places, _currency = services.org_parameters(employee.org_id)
    return render(
        request,
        "expenses/expense_detail.html",
        {
            "expense": expense,
            "receipts": selectors.receipts_of(expense),
            "approval": approval,
            "actions": _actions(employee, expense, approval),
            "places": places,
            "max_receipts": services.MAX_RECEIPTS,
        },
    )


def _act(request, pk, work, success, *, write=True):
    employee = request.employee
    expense = selectors.access_expense(employee, pk, write=write)
    try:
        result = work(employee, expense)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect("expenses:expense_detail", expense.pk)


def _submitted(approval):
    if approval is not None and approval.is_pending:
        return _("费用已提交审批。")
    return _("费用已批准。")


@employee_required
@require_POST
def expense_submit(request, pk):
    return _act(
        request,
        pk,
        lambda employee, expense: services.expense_submit(
            actor=employee, expense=expense, comment=request.POST.get("comment", "")
        ),
        _submitted,
    )


@employee_required
@require_POST
def expense_reimburse(request, pk):
    undo = request.POST.get("reimbursed") == "false"
    return _act(
        request,
        pk,
        lambda employee, expense: services.expense_reimburse(
            actor=employee,
            expense=expense,
            reimbursed=not undo,
            version=_int(request.POST.get("version")),
        ),
        _("已取消报销标记。") if undo else _("已登记为已报销。"),
        write=False,
    )


@employee_required
@require_POST
def expense_delete(request, pk):
    employee = request.employee
    expense = selectors.access_expense(employee, pk)
    try:
        services.expense_delete(actor=employee, expense=expense)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("expenses:expense_detail", expense.pk)
    messages.success(request, _("费用 %(code)s 已删除。") % {"code": expense.code})
    return redirect("expenses:expense_list")


# ---- receipts --------------------------------------------------------------------------


@employee_required
@require_POST
def receipt_upload(request, pk):
    return _act(
        request,
        pk,
        lambda employee, expense: services.receipt_add(
            actor=employee, expense=expense, uploads=request.FILES.getlist("receipts")
        ),
        lambda added: _("已上传 %(count)s 张票据。") % {"count": len(added)},
    )


@employee_required
@require_GET
def receipt_download(request, pk):
    return attachment_response(selectors.access_receipt(request.employee, pk))


@employee_required
@require_POST
def receipt_delete(request, pk):
    employee = request.employee
    receipt = selectors.access_receipt(employee, pk)
    selectors.access_expense(employee, receipt.expense_id, write=True)
    try:
        services.receipt_delete(actor=employee, receipt=receipt)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("票据已删除。"))
    return redirect("expenses:expense_detail", receipt.expense_id)


# ---- cards on other pages (htmx) -------------------------------------------------------


@employee_required
@require_GET
def customer_panel(request, pk):
    """The customer 360° card's body: the customer's latest expenses and their sums."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    customer = customer_selectors.access_customer(employee, pk)
    places, _currency = services.org_parameters(employee.org_id)
    return render(
        request,
        "expenses/_panel_body.html",
        {
            "summary": selectors.customer_expenses(employee=employee, customer_id=customer.pk),
            "list_url": reverse("expenses:expense_list") + f"?customer={customer.pk}",
            "new_url": reverse("expenses:expense_create") + f"?customer={customer.pk}",
            "can_create": _may(employee, "create"),
            "places": places,
            "testid": "expenses-customer-panel-body",
        },
    )


@employee_required
@require_GET
def opportunity_panel(request, pk):
    """The opportunity page's card body: the opportunity's latest expenses and sums."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    opportunity = _visible_opportunities(employee).filter(pk=_int(pk)).first()
    if opportunity is None:
        from django.http import Http404

        raise Http404
    places, _currency = services.org_parameters(employee.org_id)
    return render(
        request,
        "expenses/_panel_body.html",
        {
            "summary": selectors.opportunity_expenses(
                employee=employee, opportunity_id=opportunity.pk
            ),
            "list_url": reverse("expenses:expense_list") + f"?opportunity={opportunity.pk}",
            "new_url": reverse("expenses:expense_create") + f"?opportunity={opportunity.pk}",
            "can_create": _may(employee, "create"),
            "places": places,
            "testid": "expenses-opportunity-panel-body",
        },
    )
