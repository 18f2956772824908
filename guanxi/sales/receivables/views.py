"""Screens of receivables and collections: receivables (list, detail, manual entry),
payments (list, detail, record with allocation rows, allocate credit, void), invoices
(list, record, void), the ageing page and a customer's statement of account (page,
Excel, PDF). Thin: they parse input and call ``services`` / ``selectors``."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
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
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales import paging
from guanxi.sales.receivables import exports, selectors, services
from guanxi.sales.receivables.filters import InvoiceFilter, PaymentFilter, ReceivableFilter
from guanxi.sales.receivables.forms import (
    InvoiceEditForm,
    InvoiceForm,
    PaymentEditForm,
    PaymentForm,
    ReceivableEditForm,
    ReceivableForm,
    allocations_from_post,
)
from guanxi.sales.receivables.models import Invoice, Payment, Receivable

MODULE = "payments"
PAGE_SIZE = 30
PICK_LIMIT = 20
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _date(value, default=None):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _places(request):
    places, currency = services.money_places(request.employee.org_id)
    return {"places": places, "currency": currency}


def _query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _customer_or_none(pk):
    pk = _int(pk)
    return Customer.objects.filter(pk=pk).first() if pk else None


def _list_context(request, filterset, order, extra=None):
    rows, pager = paging.keyset_page(request, filterset.qs, order=order, size=PAGE_SIZE)
    return {
        "filter": filterset,
        "rows": rows,
        **pager,
        "today": timezone.localdate(),
        "can_create": policy.can(request.employee, f"{MODULE}.create"),
        "owners": Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name", "id"),
        "picked_customer": _customer_or_none(request.GET.get("customer")),
        **_places(request),
        **(extra or {}),
    }


# ---- receivables ---------------------------------------------------------------------------


@employee_required
@require_GET
def receivable_list(request):
    """Receivables in the employee's scope; filters: status, overdue, due range, customer,
    owner, text."""
    policy.require(request.employee, f"{MODULE}.view")
    queryset = selectors.receivable_queryset(employee=request.employee)
    filterset = ReceivableFilter(request.GET or None, queryset=queryset)
    context = _list_context(
        request,
        filterset,
        ("due_date", "pk"),
        {"statuses": Receivable.Status.choices, "status": request.GET},
    )
    return render(request, "receivables/receivable_list.html", context)


@employee_required
@require_GET
def receivable_detail(request, pk):
    receivable = selectors.access_receivable(request.employee, pk)
    return render(
        request,
        "receivables/receivable_detail.html",
        {
            "receivable": receivable,
            "allocations": selectors.receivable_allocations(receivable),
            "invoices": receivable.invoices.order_by("-issued_on", "pk"),
            "today": timezone.localdate(),
            "can_edit": policy.can(request.employee, f"{MODULE}.edit"),
            "form": ReceivableEditForm(
                initial={
                    "title": receivable.title,
                    "due_date": receivable.due_date,
                    "owner": receivable.owner_id,
                    "amount": receivable.amount,
                    "version": receivable.version,
                },
                receivable=receivable,
            ),
            **_places(request),
        },
    )


@employee_required
def receivable_create(request):
    """Enter a receivable by hand (not from a contract or order)."""
    policy.require(request.employee, f"{MODULE}.create")
    customer = _customer_or_none(request.POST.get("customer") or request.GET.get("customer"))
    form = ReceivableForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            receivable = services.receivable_create_manual(
                actor=request.employee,
                customer=data["customer"],
                amount=data["amount"],
                due_date=data["due_date"],
                title=data["title"],
                owner=data["owner"],
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("应收款 %(code)s 已创建。") % {"code": receivable.code})
            return redirect("receivables:receivable_detail", receivable.pk)
    return render(
        request,
        "receivables/receivable_form.html",
        {"form": form},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def receivable_edit(request, pk):
    receivable = selectors.access_receivable(request.employee, pk, write=True)
    form = ReceivableEditForm(request.POST, receivable=receivable)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if data.get("amount") is None:
            data.pop("amount", None)
        try:
            services.receivable_update(
                actor=request.employee, receivable=receivable, version=version, **data
            )
        except REFUSALS as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("已保存。"))
    else:
        messages.error(request, _("请检查填写的内容。"))
    return redirect("receivables:receivable_detail", receivable.pk)


@employee_required
@require_POST
def receivable_cancel(request, pk):
    receivable = selectors.access_receivable(request.employee, pk, write=True)
    try:
        services.receivable_cancel(
            actor=request.employee, receivable=receivable, version=request.POST.get("version")
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("应收款已取消。"))
    return redirect("receivables:receivable_detail", receivable.pk)


# ---- pickers (htmx) ------------------------------------------------------------------------


@employee_required
@require_GET
def customer_options(request):
    """``<option>``s of the customers matching ``q`` that the employee may see (htmx)."""
    policy.require(request.employee, f"{MODULE}.view")
    # the search boxes are named customer_q (they sit inside other forms)
    text = (request.GET.get("q") or request.GET.get("customer_q") or "").strip()
    customers = []
    if text:
        customers = list(
            customer_selectors.customer_queryset(employee=request.employee)
            .filter(customer_selectors.text_query(text))
            .order_by("name", "pk")
            .select_related(None)
            .only("pk", "name", "code")[:PICK_LIMIT]
        )
    return render(request, "receivables/_customer_options.html", {"customers": customers})


@employee_required
@require_GET
def allocation_rows(request):
    """The allocation rows of a payment form: the customer's open receivables (htmx,
    after the customer is picked) and its credit balance."""
    policy.require(request.employee, f"{MODULE}.view")
    customer = _customer_or_none(request.GET.get("customer"))
    return render(request, "receivables/_allocation_rows.html", _rows_context(request, customer))


def _rows_context(request, customer, values=None):
    rows = []
    credit = None
    if customer is not None:
        rows = list(
            selectors.open_receivables_of(employee=request.employee, customer_id=customer.pk)
        )
        credit = selectors.credit_balance(customer_id=customer.pk)
    return {
        "customer": customer,
        "rows": rows,
        "values": values or {},
        "credit": credit,
        "today": timezone.localdate(),
        **_places(request),
    }


# ---- payments ------------------------------------------------------------------------------


@employee_required
@require_GET
def payment_list(request):
    policy.require(request.employee, f"{MODULE}.view")
    queryset = selectors.payment_queryset(employee=request.employee)
    filterset = PaymentFilter(request.GET or None, queryset=queryset)
    context = _list_context(request, filterset, ("-received_at", "-pk"))
    return render(request, "receivables/payment_list.html", context)


@employee_required
@require_GET
def payment_detail(request, pk):
    payment = selectors.access_payment(request.employee, pk)
    can_edit = policy.can(request.employee, f"{MODULE}.edit")
    rows = {}
    if can_edit and payment.status == Payment.Status.VALID and payment.unallocated_amount > 0:
        rows = _rows_context(request, payment.customer)
    return render(
        request,
        "receivables/payment_detail.html",
        {
            "payment": payment,
            "allocations": selectors.payment_allocations(payment),
            "can_edit": can_edit,
            "rows": rows,
            **_places(request),
        },
    )


@employee_required
def payment_create(request):
    """Record a payment and match it to the customer's open receivables."""
    policy.require(request.employee, f"{MODULE}.create")
    customer = _customer_or_none(request.POST.get("customer") or request.GET.get("customer"))
    initial = {"received_at": timezone.localdate()}
    form = PaymentForm(request.POST or None, customer=customer, initial=initial)
    values = {}
    if request.method == "POST":
        values = {
            _int(key.removeprefix("alloc_")): value
            for key, value in request.POST.items()
            if key.startswith("alloc_")
        }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_create(
                actor=request.employee,
                customer=data["customer"],
                amount=data["amount"],
                received_at=data["received_at"],
                allocations=allocations_from_post(request.POST),
                method=data["method"],
                reference=data["reference"],
                notes=data["notes"],
            )
        except REFUSALS as exc:
            refuse(form, exc)  # allocation errors show on top of the form
        else:
            messages.success(request, _("回款 %(code)s 已登记。") % {"code": payment.code})
            return redirect("receivables:payment_detail", payment.pk)
    return render(
        request,
        "receivables/payment_form.html",
        {"form": form, "rows": _rows_context(request, customer, values)},
        status=form_status(request, form),
    )


@employee_required
def payment_edit(request, pk):
    """Edit a valid payment's method, bank reference, notes and owner (its amount,
    customer and date are fixed, so its allocations stay); a voided one is read-only."""
    payment = selectors.access_payment(request.employee, pk, write=True)
    if payment.status == Payment.Status.VOIDED:
        messages.error(request, _("已作废的回款不能修改。"))
        return redirect("receivables:payment_detail", payment.pk)
    form = PaymentEditForm(
        request.POST or None,
        initial={
            "method": payment.method,
            "reference": payment.reference,
            "owner": payment.owner_id,
            "notes": payment.notes,
            "version": payment.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.payment_update(
                actor=request.employee, payment=payment, version=version, **data
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("回款 %(code)s 已保存。") % {"code": payment.code})
            return redirect("receivables:payment_detail", payment.pk)
    return render(
        request,
        "receivables/payment_edit.html",
        {"form": form, "payment": payment, **_places(request)},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def payment_allocate(request, pk):
    """Match the payment's unallocated amount to more receivables."""
    payment = selectors.access_payment(request.employee, pk, write=True)
    try:
        services.payment_allocate(
            actor=request.employee, payment=payment, allocations=allocations_from_post(request.POST)
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已核销。"))
    return redirect("receivables:payment_detail", payment.pk)


@employee_required
@require_POST
def payment_void(request, pk):
    payment = selectors.access_payment(request.employee, pk, write=True)
    try:
        services.payment_void(
            actor=request.employee,
            payment=payment,
            reason=request.POST.get("reason", ""),
            version=request.POST.get("version") or None,
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("回款已作废，核销已释放。"))
    return redirect("receivables:payment_detail", payment.pk)


# ---- invoices ------------------------------------------------------------------------------


@employee_required
@require_GET
def invoice_list(request):
    policy.require(request.employee, f"{MODULE}.view")
    queryset = selectors.invoice_queryset(employee=request.employee).prefetch_related("receivables")
    filterset = InvoiceFilter(request.GET or None, queryset=queryset)
    context = _list_context(
        request,
        filterset,
        ("-issued_on", "-pk"),
        {"can_edit": policy.can(request.employee, f"{MODULE}.edit")},
    )
    return render(request, "receivables/invoice_list.html", context)


@employee_required
def invoice_create(request):
    policy.require(request.employee, f"{MODULE}.create")
    customer = _customer_or_none(request.POST.get("customer") or request.GET.get("customer"))
    form = InvoiceForm(
        request.POST or None, customer=customer, initial={"issued_on": timezone.localdate()}
    )
    receivables = []
    if customer is not None:
        receivables = list(
            selectors.receivable_queryset(employee=request.employee)
            .filter(customer_id=customer.pk)
            .exclude(status=Receivable.Status.CANCELLED)
            .order_by("-due_date", "-pk")[:50]
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = services.invoice_create(
                actor=request.employee,
                customer=data["customer"],
                number=data["number"],
                type=data["type"],
                amount=data["amount"],
                tax_amount=data["tax_amount"] or 0,
                issued_on=data["issued_on"],
                notes=data["notes"],
                receivables=request.POST.getlist("receivables"),
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("发票 %(number)s 已登记。") % {"number": invoice.number})
            return redirect(reverse("receivables:invoice_list") + f"?q={invoice.number}")
    return render(
        request,
        "receivables/invoice_form.html",
        {"form": form, "receivables": receivables, **_places(request)},
        status=form_status(request, form),
    )


def _invoice_receivable_choices(request, invoice):
    """The receivables an invoice may be linked to: the customer's (not cancelled) that
    the employee may see, the latest 50, plus those it is linked to already."""
    linked = list(invoice.receivables.order_by("-due_date", "-pk"))
    offered = list(
        selectors.receivable_queryset(employee=request.employee)
        .filter(customer_id=invoice.customer_id)
        .exclude(status=Receivable.Status.CANCELLED)
        .exclude(pk__in=[receivable.pk for receivable in linked])
        .order_by("-due_date", "-pk")[:50]
    )
    return linked + offered, {receivable.pk for receivable in linked}


@employee_required
def invoice_edit(request, pk):
    """Edit an issued invoice's notes, owner and linked receivables (number, type,
    amounts and date are fixed); a voided one is read-only."""
    invoice = selectors.access_invoice(request.employee, pk, write=True)
    back = reverse("receivables:invoice_list") + f"?q={invoice.number}"
    if invoice.status == Invoice.Status.VOIDED:
        messages.error(request, _("已作废的发票不能修改。"))
        return redirect(back)
    receivables, linked = _invoice_receivable_choices(request, invoice)
    form = InvoiceEditForm(
        request.POST or None,
        initial={"owner": invoice.owner_id, "notes": invoice.notes, "version": invoice.version},
    )
    if request.method == "POST":
        linked = {_int(value) for value in request.POST.getlist("receivables")}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.invoice_update(
                actor=request.employee,
                invoice=invoice,
                version=version,
                receivables=request.POST.getlist("receivables"),
                **data,
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("发票 %(number)s 已保存。") % {"number": invoice.number})
            return redirect(back)
    return render(
        request,
        "receivables/invoice_edit.html",
        {
            "form": form,
            "invoice": invoice,
            "receivables": receivables,
            "linked": linked,
            **_places(request),
        },
        status=form_status(request, form),
    )


@employee_required
@require_POST
def invoice_void(request, pk):
    invoice = selectors.access_invoice(request.employee, pk, write=True)
    try:
        services.invoice_void(actor=request.employee, invoice=invoice)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("发票 %(number)s 已作废。") % {"number": invoice.number})
    return redirect(reverse("receivables:invoice_list") + f"?q={invoice.number}")


# ---- ageing and statement ------------------------------------------------------------------


@employee_required
@require_GET
def ageing(request):
    """Open amounts by overdue age per customer, with totals and DSO."""
    policy.require(request.employee, f"{MODULE}.view")
    result = selectors.ageing(employee=request.employee, owner_id=_int(request.GET.get("owner")))
    return render(
        request,
        "receivables/ageing.html",
        {
            "result": result,
            "owners": Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name"),
            "owner_id": _int(request.GET.get("owner")),
            "window": selectors.DSO_WINDOW_DAYS,
            **_places(request),
        },
    )


def _statement(request):
    policy.require(request.employee, f"{MODULE}.view")
    customer = _customer_or_none(request.GET.get("customer"))
    today = timezone.localdate()
    start = _date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _date(request.GET.get("end"), today)
    if start > end:
        start, end = end, start
    result = None
    if customer is not None:
        result = selectors.statement(
            employee=request.employee,
            customer=customer,
            start=start,
            end=end,
            currency=services.money_places(request.employee.org_id)[1],
        )
    return customer, start, end, result


@employee_required
@require_GET
def statement(request):
    """A customer's statement of account (对账单) for a period."""
    customer, start, end, result = _statement(request)
    return render(
        request,
        "receivables/statement.html",
        {
            "customer": customer,
            "start": start,
            "end": end,
            "statement": result,
            "query": _query_without_page(request),
            **_places(request),
        },
    )


@employee_required
@require_GET
def statement_xlsx(request):
    _customer, _start, _end, result = _statement(request)
    if result is None:
        raise Http404
    body = exports.statement_xlsx(result, places=services.money_places(request.employee.org_id)[0])
    return _download(
        request,
        body,
        exports.filename(result, "xlsx"),
        spreadsheet.XLSX,
        "xlsx",
    )


@employee_required
@require_GET
def statement_pdf(request):
    _customer, _start, _end, result = _statement(request)
    if result is None:
        raise Http404
    body = exports.statement_pdf(
        result,
        places=services.money_places(request.employee.org_id)[0],
        org_name=request.employee.org.name,
    )
    return _download(request, body, exports.filename(result, "pdf"), "application/pdf", "pdf")


def _download(request, body, filename, content_type, file_format):
    from guanxi.audit import services as audit

    audit.record_export(
        actor=request.employee, entity="receivables.statement", row_count=1, file_format=file_format
    )
    return spreadsheet.download(body, filename, content_type)


@employee_required
@require_GET
def invoice_detail(request, pk):
    """An invoice found by search: its row in the invoice list."""
    invoice = selectors.access_invoice(request.employee, pk)
    return redirect(reverse("receivables:invoice_list") + f"?q={invoice.number}")


@employee_required
@require_GET
def customer_panel(request, pk):
    """The customer 360° card's body (htmx): open and overdue amounts, credit balance,
    open receivables, last payments and DSO, within the employee's scope."""
    policy.require(request.employee, f"{MODULE}.view")
    customer = customer_selectors.access_customer(request.employee, pk)
    today = timezone.localdate()
    return render(
        request,
        "receivables/_customer_panel_body.html",
        {
            "customer": customer,
            "summary": selectors.customer_summary(
                employee=request.employee, customer_id=customer.pk, today=today
            ),
            "dso": selectors.customer_dso(
                employee=request.employee, customer_id=customer.pk, today=today
            ),
            "today": today,
            "can_create": policy.can(request.employee, f"{MODULE}.create"),
            **_places(request),
        },
    )
