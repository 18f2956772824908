"""Service contract screens: list (filters, expiring soon), detail (coverage, visits
used/included, linked tickets, renewal chain, actions), create/edit form with a coverage
picker of the customer's installed products, the card on the customer 360° page, and the
entitlement partial of a ticket."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.sales import paging
from guanxi.sales.contracts.views import contact_choices, customer_choices, selected_id
from guanxi.service.contracts import entitlement, selectors, services
from guanxi.service.contracts.filters import ServiceContractFilter
from guanxi.service.contracts.forms import ServiceContractForm
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.installed import selectors as installed_selectors

MODULE = "service_contracts"
PAGE_SIZE = 50
PRODUCT_CHOICES = 500


@employee_required
@require_GET
def contract_list(request):
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    queryset = (
        selectors.contract_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "owner")
        .order_by("-id")
    )
    filters = ServiceContractFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    today = timezone.localdate()
    for row in rows:
        row.expiring = (
            row.status == ServiceContract.Status.ACTIVE
            and today <= row.end_date <= today + datetime.timedelta(days=selectors.EXPIRING_DAYS)
        )
    return render(
        request,
        "service_contracts/contract_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": ServiceContract.Status.choices,
            "can_create": policy.can(employee, f"{MODULE}.create"),
        },
    )


def _products():
    return list(
        Product.objects.filter(active=True)
        .only("id", "code", "name")
        .order_by("code")[:PRODUCT_CHOICES]
    )


def _form_page(request, *, contract=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    customer_id = selected_id(source.get("customer")) or (contract and contract.customer_id)
    if (
        customer_id
        and not customer_selectors.customer_queryset(employee=employee)
        .filter(pk=customer_id)
        .exists()
    ):
        customer_id = None
    kwargs = {
        "customers": customer_choices(employee, customer_id),
        "contacts": contact_choices(customer_id),
        "installed": selectors.installed_choices(customer_id=customer_id) if customer_id else [],
        "products": _products(),
    }
    if request.method == "POST":
        form = ServiceContractForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            data.pop("installed_products")
            data.pop("products")
            data["items"] = form.items()
            try:
                if contract is None:
                    contract = services.service_contract_create(actor=employee, **data)
                    messages.success(
                        request, _("服务合同 %(code)s 已保存。") % {"code": contract.code}
                    )
                else:
                    services.service_contract_update(
                        actor=employee, contract=contract, version=version, **data
                    )
                    messages.success(request, _("服务合同已更新。"))
                return redirect("service_contracts:contract_detail", contract.pk)
            except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
                refuse(form, exc)
    else:
        if contract is not None:
            initial = ServiceContractForm.initial_for(contract)
        else:
            today = timezone.localdate()
            initial = {
                "customer": customer_id,
                "start_date": today,
                "end_date": installed_selectors.warranty_end_for(today, 12),
                "installed_products": [selected_id(source.get("installed_product"))]
                if selected_id(source.get("installed_product"))
                else [],
            }
        form = ServiceContractForm(initial=initial, **kwargs)
    return render(
        request,
        "service_contracts/contract_form.html",
        {"form": form, "contract": contract},
        status=form_status(request, form),
    )


@employee_required
def contract_create(request):
    policy.require(request.employee, f"{MODULE}.create")
    return _form_page(request)


@employee_required
def contract_edit(request, pk):
    employee = request.employee
    try:
        contract = selectors.with_items(selectors.contract_queryset(employee=employee)).get(
            pk=int(pk)
        )
    except (ServiceContract.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    policy.require(employee, f"{MODULE}.edit")
    if not contract.is_editable:
        messages.error(
            request,
            _("服务合同%(status)s，不能修改。") % {"status": contract.get_status_display()},
        )
        return redirect("service_contracts:contract_detail", contract.pk)
    return _form_page(request, contract=contract)


@employee_required
@require_GET
def coverage_picker(request):
    """The coverage checkboxes of the form for the chosen customer (htmx)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    customer_id = selected_id(request.GET.get("customer"))
    installed = []
    if (
        customer_id
        and customer_selectors.customer_queryset(employee=employee).filter(pk=customer_id).exists()
    ):
        installed = selectors.installed_choices(customer_id=customer_id)
    form = ServiceContractForm(
        initial={"customer": customer_id},
        customers=[],
        contacts=contact_choices(customer_id) if installed or customer_id else [],
        installed=installed,
        products=[],
    )
    return render(request, "service_contracts/_coverage.html", {"form": form})


@employee_required
@require_GET
def contract_detail(request, pk):
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    try:
        contract = selectors.with_items(selectors.contract_queryset(employee=employee)).get(
            pk=int(pk)
        )
    except (ServiceContract.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    used = selectors.visits_used(contract)
    can_edit = policy.can(employee, f"{MODULE}.edit")
    status = contract.status
    S = ServiceContract.Status
    return render(
        request,
        "service_contracts/contract_detail.html",
        {
            "contract": contract,
            "items": contract.items.all(),
            "visits_used": used,
            "visits_left": selectors.visits_left(contract, used),
            "tickets": selectors.linked_tickets(employee=employee, contract=contract),
            "chain": selectors.renewal_chain(contract),
            "can_edit": can_edit and contract.is_editable,
            "can_activate": can_edit and status == S.DRAFT,
            "can_cancel": can_edit and status in (S.DRAFT, S.ACTIVE),
            "can_renew": can_edit
            and policy.can(employee, f"{MODULE}.create")
            and status in (S.ACTIVE, S.EXPIRED),
            "can_delete": policy.can(employee, f"{MODULE}.delete")
            and status in (S.DRAFT, S.CANCELLED),
        },
    )


@employee_required
@require_POST
def contract_action(request, pk, verb):
    employee = request.employee
    contract = selectors.access_contract(employee, pk, write=True)
    actions = {
        "activate": (services.service_contract_activate, _("服务合同已生效。")),
        "cancel": (services.service_contract_cancel, _("服务合同已取消。")),
        "renew": (services.service_contract_renew, None),
    }
    if verb not in actions:
        raise Http404
    service, success = actions[verb]
    try:
        result = service(actor=employee, contract=contract)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("service_contracts:contract_detail", contract.pk)
    if verb == "renew":
        messages.success(request, _("已生成续签合同 %(code)s（草稿）。") % {"code": result.code})
        return redirect("service_contracts:contract_detail", result.pk)
    messages.success(request, success)
    return redirect("service_contracts:contract_detail", contract.pk)


@employee_required
@require_POST
def contract_delete(request, pk):
    employee = request.employee
    contract = selectors.access_contract(employee, pk)
    try:
        services.service_contract_delete(actor=employee, contract=contract)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("service_contracts:contract_detail", contract.pk)
    messages.success(request, _("服务合同 %(code)s 已删除。") % {"code": contract.code})
    return redirect("service_contracts:contract_list")


@employee_required
@require_GET
def customer_card(request, pk):
    """The service contracts card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, f"{MODULE}.view")
    return render(
        request,
        "service_contracts/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "contracts": selectors.customer_contracts(employee=employee, customer_id=customer.pk),
            "can_create": policy.can(employee, f"{MODULE}.create"),
        },
    )


def _entitlement_context(employee, *, customer, installed_product=None, product=None):
    result = entitlement.entitlement_for(
        customer=customer, installed_product=installed_product, product=product
    )
    link = ""
    if result.kind == entitlement.SERVICE_CONTRACT and policy.can(employee, f"{MODULE}.view"):
        link = reverse("service_contracts:contract_detail", args=[result.record_id])
    elif result.kind == entitlement.WARRANTY:
        link = reverse("installed_products:installed_detail", args=[result.record_id])
    return {"entitlement": result, "link": link, "installed_product": installed_product}


@employee_required
@require_GET
def ticket_entitlement(request, pk):
    """What covers the ticket's item (service contract, warranty, sales contract or
    nothing), for the ticket page (htmx partial). 404 for a ticket the employee may not
    see."""
    from guanxi.service.tickets.models import Ticket

    employee = request.employee
    ticket = (
        Ticket.objects.select_related("installed_product", "customer")
        .filter(pk=selected_id(pk) or 0)
        .first()
    )
    if ticket is None or not policy.can_see_record(
        employee, "tickets", ticket, owner="assignee", department="team"
    ):
        raise Http404
    item = ticket.installed_product
    if item is not None and item.deleted_at is not None:
        item = None
    context = _entitlement_context(
        employee, customer=ticket.customer_id, installed_product=item, product=ticket.product_id
    )
    return render(request, "service_contracts/_entitlement.html", context)


@employee_required
@require_GET
def installed_entitlement(request, pk):
    """The entitlement of an installed product (htmx partial), for its detail page and
    the contract form."""
    employee = request.employee
    item = installed_selectors.access_installed(employee, pk)
    context = _entitlement_context(employee, customer=item.customer_id, installed_product=item)
    return render(request, "service_contracts/_entitlement.html", context)
