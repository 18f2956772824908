"""Screens of quotes: the list, the quote page (lines, totals, revisions, approval,
sendings, actions), the create/edit form with the lines editor, the send form, the PDF,
and the card on the customer 360° page. Thin: they parse input and call ``services`` /
``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
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
from guanxi.sales import paging
from guanxi.sales.forms import editor_context, lines_from_post
from guanxi.sales.lines import Totals
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.quotes import pdf, selectors, services
from guanxi.sales.quotes.filters import QuoteFilter
from guanxi.sales.quotes.forms import QuoteForm, SendForm
from guanxi.sales.quotes.models import Quote
from guanxi.workspace.approvals import views as approval_views

PAGE_SIZE = 30
CUSTOMER_CHOICES = 200
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def totals_of(quote):
    return Totals.from_document(quote, quote.decimals)


def customer_choices(employee, selected_id=None):
    """The customers the form offers: the latest the employee may see, and the chosen one."""
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


# ---- list ------------------------------------------------------------------------------


@employee_required
@require_GET
def quote_list(request):
    """Quotes the employee may see, newest first, with the shared filters."""
    employee = request.employee
    policy.require(employee, "quotes.view")
    filters = QuoteFilter(request.GET, queryset=selectors.quote_queryset(employee=employee))
    rows, pager = paging.keyset_page(request, filters.qs, order=("-pk",), size=PAGE_SIZE)
    customer = None
    customer_id = _int(request.GET.get("customer"))
    if customer_id:
        customer = (
            customer_selectors.customer_queryset(employee=employee)
            .select_related(None)
            .only("id", "name")
            .filter(pk=customer_id)
            .first()
        )
    return render(
        request,
        "quotes/quote_list.html",
        {
            "rows": rows,
            **pager,
            "filters": filters,
            "statuses": Quote.Status.choices,
            "customer": customer,
            "can_create": policy.can(employee, "quotes.create"),
        },
    )


# ---- create / edit ---------------------------------------------------------------------


def _form_page(request, *, form, quote, rows, line_errors, status=200, opportunity=None):
    employee = request.employee
    places, _price, currency, limit = services.org_parameters(employee.org_id)
    context = {
        "form": form,
        "quote": quote,
        "opportunity": opportunity,
        "discount_limit": limit,
        **editor_context(
            org_id=employee.org_id,
            rows=rows,
            places=quote.decimals if quote else places,
            currency=quote.currency if quote else currency,
            errors=line_errors,
        ),
    }
    return render(request, "quotes/quote_form.html", context, status=status)


def _split_errors(form, exc):
    """A service's ValidationError: ``lines`` messages go to the lines editor (returned),
    the rest onto the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        errors = dict(exc.message_dict)
        line_errors = errors.pop("lines", [])
        if errors:
            refuse(form, ValidationError(errors))
        else:
            form.refusal_status = 400
        return line_errors
    refuse(form, exc)
    return []


def _header(form, employee):
    data = dict(form.cleaned_data)
    data.pop("version", None)
    customer_id = data.pop("customer")
    contact_id = data.pop("contact")
    data["customer"] = (
        customer_selectors.customer_queryset(employee=employee)
        .select_related(None)
        .filter(pk=customer_id)
        .first()
    )
    if data["customer"] is None:
        raise ValidationError({"customer": [_("客户不存在。")]})
    data["contact"] = (
        Contact.objects.filter(pk=contact_id, customer_id=customer_id).first()
        if contact_id
        else None
    )
    return data


def _opportunity(employee, pk):
    """The opportunity a new quote starts from (when the opportunities app has it)."""
    if not pk or not policy.can(employee, "opportunities.view"):
        return None
    queryset = policy.scope_queryset(employee, "opportunities", Opportunity.objects.all())
    return queryset.filter(pk=pk).first()


@employee_required
def quote_create(request):
    """A new quote; ``?customer=`` (from the customer page) or ``?opportunity=`` picks the
    customer beforehand."""
    employee = request.employee
    policy.require(employee, "quotes.create")
    source = request.POST if request.method == "POST" else request.GET
    opportunity = _opportunity(employee, _int(source.get("opportunity")))
    customer_id = _int(source.get("customer")) or (opportunity.customer_id if opportunity else None)
    form = QuoteForm(
        request.POST or None,
        initial={"customer": customer_id, "language": Quote.Language.CHINESE},
        customers=customer_choices(employee, customer_id),
        contacts=contact_choices(customer_id),
        contact_url=reverse("quotes:contact_options"),
    )
    rows, line_errors = [], []
    if request.method == "POST":
        try:
            rows = lines_from_post(request.POST)
        except ValidationError as exc:
            line_errors = exc.message_dict["lines"]
        if form.is_valid() and not line_errors:
            try:
                data = _header(form, employee)
                if opportunity is not None:
                    data["opportunity"] = opportunity
                quote = services.quote_create(actor=employee, lines=rows, **data)
            except REFUSALS as exc:
                line_errors = _split_errors(form, exc)
            else:
                messages.success(request, _("报价单已保存。"))
                return redirect("quotes:quote_detail", quote.pk)
        elif line_errors:
            form.refusal_status = 400
    status = form_status(request, form)
    if request.method == "POST" and line_errors and status == 200:
        status = 400
    return _form_page(
        request,
        form=form,
        quote=None,
        rows=rows,
        line_errors=line_errors,
        status=status,
        opportunity=opportunity,
    )


@employee_required
def quote_edit(request, pk):
    """Edit a draft or approved quote (header and lines)."""
    employee = request.employee
    quote = selectors.access_quote(employee, pk, write=True, lines=True)
    if request.method == "GET":
        try:
            services._check_editable(quote)
        except BusinessRuleError as exc:
            messages.error(request, str(exc.message))
            return redirect("quotes:quote_detail", quote.pk)
    customer_id = _int(request.POST.get("customer")) if request.method == "POST" else None
    customer_id = customer_id or quote.customer_id
    form = QuoteForm(
        request.POST or None,
        initial=QuoteForm.initial_for(quote),
        customers=customer_choices(employee, customer_id),
        contacts=contact_choices(customer_id),
        contact_url=reverse("quotes:contact_options"),
    )
    rows, line_errors = list(quote.lines.all()), []
    if request.method == "POST":
        try:
            rows = lines_from_post(request.POST)
        except ValidationError as exc:
            line_errors = exc.message_dict["lines"]
        if form.is_valid() and not line_errors:
            try:
                data = _header(form, employee)
                services.quote_update(
                    actor=employee,
                    quote=quote,
                    version=form.cleaned_data.get("version"),
                    lines=rows,
                    **data,
                )
            except REFUSALS as exc:
                line_errors = _split_errors(form, exc)
            else:
                messages.success(request, _("报价单已保存。"))
                return redirect("quotes:quote_detail", quote.pk)
        elif line_errors:
            form.refusal_status = 400
    status = form_status(request, form)
    if request.method == "POST" and line_errors and status == 200:
        status = 400
    return _form_page(
        request, form=form, quote=quote, rows=rows, line_errors=line_errors, status=status
    )


@employee_required
@require_GET
def contact_options(request):
    """The ``<option>``s of the contact select for the chosen customer (htmx)."""
    employee = request.employee
    policy.require(employee, "quotes.view")
    customer_id = _int(request.GET.get("customer"))
    contacts = []
    if (
        customer_id
        and customer_selectors.customer_queryset(employee=employee).filter(pk=customer_id).exists()
    ):
        contacts = contact_choices(customer_id)
    return render(request, "quotes/_contact_options.html", {"contacts": contacts})


# ---- the quote page --------------------------------------------------------------------


def _may(employee, action):
    return policy.can(employee, f"quotes.{action}")


def _actions(employee, quote, approval, limit):
    pending = approval["request"] is not None and approval["request"].is_pending
    current = not quote.superseded
    over = services.needs_approval(quote, limit)
    try:
        services.check_sendable(quote)
        sendable = True
    except BusinessRuleError:
        sendable = False
    editable = current and not pending and quote.status in services.EDITABLE
    return {
        "edit": editable and _may(employee, "edit"),
        "submit": editable
        and quote.status == Quote.Status.DRAFT
        and over
        and _may(employee, "edit"),
        "send": sendable and _may(employee, "edit"),
        "revise": current and not pending and _may(employee, "create") and _may(employee, "edit"),
        "mark": current
        and quote.status in (Quote.Status.SENT, Quote.Status.EXPIRED)
        and _may(employee, "edit"),
        "delete": not pending and _may(employee, "delete"),
        # a contract from this quote (the contracts app copies its lines)
        "contract": current
        and quote.status in (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED)
        and policy.can(employee, "contracts.create"),
        # or an order straight from it (the orders app copies its lines)
        "order": current
        and quote.status in (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED)
        and policy.can(employee, "orders.create"),
        "needs_approval": over,
    }


@employee_required
@require_GET
def quote_detail(request, pk):
    employee = request.employee
    quote = selectors.access_quote(employee, pk, lines=True)
    _places, _price, _currency, limit = services.org_parameters(employee.org_id)
    approval = approval_views.panel_context(employee, quote)
    return render(
        request,
        "quotes/quote_detail.html",
        {
            "quote": quote,
            "lines": quote.lines.all(),
            "totals": totals_of(quote),
            "currency": quote.currency,
            "revisions": selectors.revisions(quote),
            "deliveries": selectors.deliveries(quote),
            "approval": approval,
            "actions": _actions(employee, quote, approval, limit),
            "discount_limit": limit,
        },
    )


def _act(request, pk, work, success):
    employee = request.employee
    quote = selectors.access_quote(employee, pk, write=True)
    try:
        result = work(employee, quote)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("quotes:quote_detail", quote.pk)
    messages.success(request, success(quote, result) if callable(success) else success)
    target = result if isinstance(result, Quote) else quote
    return redirect("quotes:quote_detail", target.pk)


def _submitted(quote, request):
    if request is not None and request.is_pending:
        return _("报价单已提交审批。")
    return _("报价单已批准，可以发送。")


@employee_required
@require_POST
def quote_submit(request, pk):
    return _act(
        request,
        pk,
        lambda employee, quote: services.quote_submit(
            actor=employee, quote=quote, comment=request.POST.get("comment", "")
        ),
        _submitted,
    )


@employee_required
@require_POST
def quote_revise(request, pk):
    return _act(
        request,
        pk,
        lambda employee, quote: services.quote_revise(actor=employee, quote=quote),
        lambda quote, new: _("已生成新版本 %(label)s。") % {"label": new.label},
    )


@employee_required
@require_POST
def quote_mark(request, pk):
    return _act(
        request,
        pk,
        lambda employee, quote: services.quote_mark(
            actor=employee, quote=quote, outcome=request.POST.get("outcome", "")
        ),
        _("已登记客户答复。"),
    )


@employee_required
@require_POST
def quote_delete(request, pk):
    employee = request.employee
    quote = selectors.access_quote(employee, pk)
    try:
        services.quote_delete(actor=employee, quote=quote)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("quotes:quote_detail", quote.pk)
    messages.success(request, _("报价单已删除。"))
    return redirect("quotes:quote_list")


@employee_required
def quote_send(request, pk):
    """The send form (to, cc, subject, message, language): e-mails the PDF."""
    employee = request.employee
    quote = selectors.access_quote(employee, pk, write=True)
    try:
        services.check_sendable(quote)
    except BusinessRuleError as exc:
        messages.error(request, str(exc.message))
        return redirect("quotes:quote_detail", quote.pk)
    initial = {
        "to": quote.contact.email if quote.contact_id and quote.contact.email else "",
        "subject": services.default_subject(quote),
        "language": quote.language,
        "message": _("您好：\n\n附件是我们的报价单 %(label)s，请查收。如有问题请随时联系。")
        % {"label": quote.label},
    }
    form = SendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_send(actor=employee, quote=quote, **form.cleaned_data)
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("报价单已发送。"))
            return redirect("quotes:quote_detail", quote.pk)
    return render(
        request,
        "quotes/quote_send.html",
        {"quote": quote, "form": form},
        status=form_status(request, form),
    )


@employee_required
@require_GET
def quote_pdf(request, pk):
    """The printable quote, in its language or ``?lang=en`` / ``?lang=zh-hans``."""
    employee = request.employee
    quote = selectors.access_quote(employee, pk, lines=True)
    language = request.GET.get("lang") or quote.language
    if language not in Quote.Language.values:
        raise Http404
    response = HttpResponse(pdf.quote_pdf(quote, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quote-{quote.code}-V{quote.revision}.pdf"'
    return response


# ---- customer 360° card ----------------------------------------------------------------


@employee_required
@require_GET
def customer_card(request, pk):
    """The quotes card of a customer's 360° page (loaded after the page)."""
    employee = request.employee
    policy.require(employee, "quotes.view")
    customer = customer_selectors.access_customer(employee, pk)
    quotes, more = selectors.customer_quotes(employee=employee, customer_id=customer.pk)
    return render(
        request,
        "quotes/_customer_card.html",
        {
            "customer": customer,
            "quotes": quotes,
            "more": more,
            "loaded": True,
            "can_create": policy.can(employee, "quotes.create"),
        },
    )
