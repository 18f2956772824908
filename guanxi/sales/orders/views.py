"""Sales order screens: list, detail (lines, status actions, credit check result,
approval, delivery, receivable), create/edit form (direct or from a contract), and the
card on the customer 360° page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.sales import forms as sales_forms
from guanxi.sales import paging
from guanxi.sales.contracts import documents
from guanxi.sales.contracts import selectors as contract_selectors
from guanxi.sales.contracts.views import (
    contact_choices,
    customer_choices,
    quote_of,
    selected_id,
    split_errors,
    totals_of,
)
from guanxi.sales.orders import credit, selectors, services
from guanxi.sales.orders.filters import OrderFilter
from guanxi.sales.orders.forms import DeliveryForm, OrderForm
from guanxi.sales.orders.models import Order
from guanxi.sales.receivables.selectors import receivables_for_source
from guanxi.workspace.approvals.views import panel_context

PAGE_SIZE = 50


@employee_required
@require_GET
def order_list(request):
    employee = request.employee
    policy.require(employee, "orders.view")
    queryset = (
        selectors.order_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "owner")
        .order_by("-id")
    )
    filters = OrderFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "orders/order_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "places": documents.org_settings(employee.org_id).order_decimals,
            "statuses": Order.Status.choices,
            "deliveries": Order.Delivery.choices,
            "can_create": policy.can(employee, "orders.create"),
        },
    )


def _source_contract(employee, value):
    pk = selected_id(value)
    if pk is None:
        return None
    return contract_selectors.access_contract(employee, pk)


def _form_page(request, *, order=None):
    employee = request.employee
    settings = documents.org_settings(employee.org_id)
    places = settings.order_decimals
    source = request.POST if request.method == "POST" else request.GET
    contract = (
        order.contract if order is not None else _source_contract(employee, source.get("contract"))
    )
    quote = None
    if order is None and contract is None:
        quote = quote_of(request, source.get("quote"))
    if contract is not None:
        customer_id = contract.customer_id
    elif quote is not None:
        customer_id = quote.customer_id
    else:
        customer_id = selected_id(source.get("customer")) or (order and order.customer_id)
    form_kwargs = {
        "customers": customer_choices(employee, customer_id),
        "contacts": contact_choices(customer_id),
    }
    line_errors: list = []
    if request.method == "POST":
        form = OrderForm(request.POST, **form_kwargs)
        line_rows: list = []
        try:
            line_rows = sales_forms.lines_from_post(request.POST)
        except ValidationError as exc:
            refuse(form, exc)
        if form.is_valid() and not form.errors:
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if order is None:
                    if contract is not None:
                        data.pop("customer", None)
                    order = services.order_create(
                        actor=employee, contract=contract, quote=quote, lines=line_rows, **data
                    )
                    messages.success(request, _("订单 %(code)s 已保存。") % {"code": order.code})
                else:
                    if order.contract_id is not None:
                        data.pop("customer", None)
                    services.order_update(
                        actor=employee, order=order, version=version, lines=line_rows, **data
                    )
                    messages.success(request, _("订单已更新。"))
                return redirect("orders:order_detail", order.pk)
            except ValidationError as exc:
                line_errors, _plan = split_errors(form, exc)
            except (BusinessRuleError, PermissionDenied) as exc:
                form.add_error(None, refusal_text(exc))
                form.refusal_status = getattr(exc, "status_code", 403)
        rows = line_rows
    else:
        initial = {"customer": customer_id}
        if order is not None:
            initial = OrderForm.initial_for(order)
            rows = list(order.lines.select_related("product"))
        elif contract is not None:
            initial.update(title=contract.title, contact=contract.contact_id)
            rows = list(contract.lines.select_related("product"))
        elif quote is not None:
            initial.update(title=quote.title, contact=quote.contact_id)
            rows = list(quote.lines.all())
        else:
            rows = []
        form = OrderForm(initial=initial, **form_kwargs)
    editor = sales_forms.editor_context(
        org_id=employee.org_id, rows=rows, places=places, currency=settings.currency,
        errors=line_errors,
    )  # fmt: skip
    return render(
        request,
        "orders/order_form.html",
        {"form": form, "order": order, "contract": contract, "quote": quote, **editor},
        status=400 if line_errors else form_status(request, form),
    )


@employee_required
def order_create(request):
    policy.require(request.employee, "orders.create")
    return _form_page(request)


@employee_required
def order_edit(request, pk):
    order = selectors.access_order(request.employee, pk, write=True)
    if not order.is_editable:
        messages.error(
            request, _("订单%(status)s，不能修改。") % {"status": order.get_status_display()}
        )
        return redirect("orders:order_detail", order.pk)
    return _form_page(request, order=order)


@employee_required
@require_GET
def order_detail(request, pk):
    employee = request.employee
    policy.require(employee, "orders.view")
    try:
        order = selectors.with_lines(selectors.order_queryset(employee=employee)).get(pk=int(pk))
    except (Order.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    places = documents.org_settings(employee.org_id).order_decimals
    can_edit = policy.can(employee, "orders.edit")
    confirmed = order.status in (Order.Status.CONFIRMED, Order.Status.COMPLETED)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "totals": totals_of(order, places),
            "currency": order.currency,
            "credit_reason": credit.reason(order.credit_check),
            "receivables": list(receivables_for_source(source_type="order", source_id=order.pk))
            if order.is_direct
            else [],
            "approval": panel_context(employee, order),
            "can_edit": can_edit and order.is_editable,
            "can_confirm": can_edit and order.status == Order.Status.DRAFT,
            "can_complete": can_edit and order.status == Order.Status.CONFIRMED,
            "can_cancel": can_edit and order.status in (Order.Status.DRAFT, Order.Status.CONFIRMED),
            "can_delete": policy.can(employee, "orders.delete") and order.is_editable,
            "can_deliver": can_edit and confirmed,
            "delivery_form": DeliveryForm(
                initial={
                    "delivery_status": order.delivery_status,
                    "shipped_on": order.shipped_on,
                    "delivered_on": order.delivered_on,
                }
            ),
        },
    )


def _refused(request, exc):
    messages.error(request, refusal_text(exc))


@employee_required
@require_POST
def order_confirm(request, pk):
    """Confirm after the credit check; a refusal shows its reason with the figures."""
    employee = request.employee
    order = selectors.access_order(employee, pk, write=True)
    try:
        order = services.order_confirm(actor=employee, order=order)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        if order.status == Order.Status.PENDING:
            messages.warning(request, _("信用检查未通过，订单已提交信用审批。"))
        else:
            messages.success(request, _("订单已确认。"))
    return redirect("orders:order_detail", order.pk)


@employee_required
@require_POST
def order_action(request, pk, verb):
    employee = request.employee
    order = selectors.access_order(employee, pk, write=True)
    actions = {
        "cancel": (services.order_cancel, _("订单已取消。")),
        "complete": (services.order_complete, _("订单已完成。")),
    }
    if verb not in actions:
        raise Http404
    service, success = actions[verb]
    try:
        service(actor=employee, order=order)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, success)
    return redirect("orders:order_detail", order.pk)


@employee_required
@require_POST
def order_delivery(request, pk):
    employee = request.employee
    order = selectors.access_order(employee, pk, write=True)
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查发货信息。"))
    else:
        try:
            services.order_set_delivery(actor=employee, order=order, **form.cleaned_data)
        except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("发货信息已更新。"))
    return redirect("orders:order_detail", order.pk)


@employee_required
@require_POST
def order_delete(request, pk):
    employee = request.employee
    order = selectors.access_order(employee, pk)
    try:
        services.order_delete(actor=employee, order=order)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        _refused(request, exc)
        return redirect("orders:order_detail", order.pk)
    messages.success(request, _("订单 %(code)s 已删除。") % {"code": order.code})
    return redirect("orders:order_list")


@employee_required
@require_GET
def customer_card(request, pk):
    """The orders card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, "orders.view")
    return render(
        request,
        "orders/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "orders": selectors.customer_orders(employee=employee, customer_id=customer.pk),
            "places": documents.org_settings(employee.org_id).order_decimals,
            "can_create": policy.can(employee, "orders.create"),
        },
    )
