"""Installed product screens: list (filters, import, export), detail (facts, warranty
badge, service history), create/edit form, registering the units of a confirmed order,
and the card on the customer 360° page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.catalog.models import Product
from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales import paging
from guanxi.sales.contracts.views import contact_choices, customer_choices, selected_id
from guanxi.sales.orders import selectors as order_selectors
from guanxi.sales.orders.models import Order
from guanxi.service.installed import history, selectors, services, transfer
from guanxi.service.installed.filters import InstalledProductFilter
from guanxi.service.installed.forms import FromOrderForm, ImportForm, InstalledProductForm
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.installed.selectors import Warranty, warranty_state

MODULE = "installed_products"
PAGE_SIZE = 50
PRODUCT_CHOICES = 500


def _filtered(request):
    employee = request.employee
    queryset = selectors.installed_queryset(employee=employee).order_by("-id")
    filters = InstalledProductFilter(request.GET, queryset=queryset)
    return filters, (filters.qs if filters.is_valid() else queryset.none())


@employee_required
@require_GET
def installed_list(request):
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    filters, rows = _filtered(request)
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    today = timezone.localdate()
    for row in rows:
        row.warranty = warranty_state(row.warranty_end, today)
    return render(
        request,
        "installed/installed_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": InstalledProduct.Status.choices,
            "warranties": Warranty.CHOICES,
            "warranty_labels": Warranty.LABELS,
            "can_create": policy.can(employee, f"{MODULE}.create"),
            "can_import": policy.can(employee, f"{MODULE}.import"),
            "can_export": policy.can(employee, f"{MODULE}.export"),
        },
    )


@employee_required
@require_GET
def installed_export(request):
    """The filtered list as an Excel workbook (``installed_products.export``), logged."""
    from guanxi.audit import services as audit

    employee = request.employee
    policy.require(employee, f"{MODULE}.export")
    _filters, rows = _filtered(request)
    body, count = transfer.installed_xlsx(rows)
    audit.record_export(
        actor=employee,
        entity="installed_products.installedproduct",
        row_count=count,
        file_format="xlsx",
        filters={k: v for k, v in request.GET.items() if v},
    )
    name = "{}-{}.xlsx".format(_("安装档案"), timezone.localdate().isoformat())
    return spreadsheet.download(body, name)


@employee_required
def installed_import(request):
    """Upload a file; the import runs as a job whose page shows progress and the report."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = transfer.import_start(actor=employee, upload=form.cleaned_data["file"])
        except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("导入已开始，完成后可在任务页面查看结果和错误报告。"))
            return redirect("jobs:job_detail", job.pk)
    return render(
        request,
        "installed/installed_import.html",
        {"form": form, "columns": [words[0] for words in transfer.COLUMNS.values()]},
        status=form_status(request, form),
    )


def _form_kwargs(employee, customer_id):
    return {
        "customers": customer_choices(employee, customer_id),
        "contacts": contact_choices(customer_id),
        "products": list(
            Product.objects.filter(active=True)
            .only("id", "code", "name")
            .order_by("code")[:PRODUCT_CHOICES]
        ),
        "employees": list(
            Employee.objects.filter(status=Employee.Status.ACTIVE)
            .only("id", "name")
            .order_by("name")
        ),
    }


def _form_page(request, *, item=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    customer_id = selected_id(source.get("customer")) or (item and item.customer_id)
    kwargs = _form_kwargs(employee, customer_id)
    if item is not None and item.product_id not in {p.pk for p in kwargs["products"]}:
        kwargs["products"].insert(0, item.product)
    if request.method == "POST":
        form = InstalledProductForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if item is None:
                    if data.get("warranty_months") is None:
                        data.pop("warranty_months")
                    item = services.installed_create(actor=employee, **data)
                    messages.success(request, _("安装档案 %(code)s 已保存。") % {"code": item.code})
                else:
                    if data.get("warranty_months") is None:
                        data.pop("warranty_months")
                    if data.get("warranty_end") == item.warranty_end and "warranty_months" in data:
                        data.pop("warranty_end")
                    services.installed_update(
                        actor=employee, item=item, version=version, **services.fields_of(data)
                    )
                    messages.success(request, _("安装档案已更新。"))
                return redirect("installed_products:installed_detail", item.pk)
            except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
                refuse(form, exc)
    else:
        initial = (
            InstalledProductForm.initial_for(item)
            if item is not None
            else {"customer": customer_id}
        )
        form = InstalledProductForm(initial=initial, **kwargs)
    return render(
        request,
        "installed/installed_form.html",
        {"form": form, "item": item},
        status=form_status(request, form),
    )


@employee_required
def installed_create(request):
    policy.require(request.employee, f"{MODULE}.create")
    return _form_page(request)


@employee_required
def installed_edit(request, pk):
    item = selectors.access_installed(request.employee, pk, write=True)
    return _form_page(request, item=item)


@employee_required
@require_GET
def installed_detail(request, pk):
    employee = request.employee
    item = selectors.access_installed(employee, pk)
    can_edit = policy.can(employee, f"{MODULE}.edit")
    return render(
        request,
        "installed/installed_detail.html",
        {
            "item": item,
            "warranty": warranty_state(item.warranty_end),
            "warranty_labels": Warranty.LABELS,
            "history": history.history_of(employee=employee, item=item),
            "can_edit": can_edit,
            "can_delete": policy.can(employee, f"{MODULE}.delete"),
            "statuses": [
                (value, label)
                for value, label in InstalledProduct.Status.choices
                if value != item.status
            ],
        },
    )


@employee_required
@require_POST
def installed_status(request, pk):
    employee = request.employee
    item = selectors.access_installed(employee, pk, write=True)
    try:
        item = services.installed_set_status(
            actor=employee, item=item, status=request.POST.get("status", "")
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request, _("档案状态已改为“%(status)s”。") % {"status": item.get_status_display()}
        )
    return redirect("installed_products:installed_detail", item.pk)


@employee_required
@require_POST
def installed_delete(request, pk):
    employee = request.employee
    item = selectors.access_installed(employee, pk)
    try:
        services.installed_delete(actor=employee, item=item)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("installed_products:installed_detail", item.pk)
    messages.success(request, _("安装档案 %(code)s 已删除。") % {"code": item.code})
    return redirect("installed_products:installed_list")


@employee_required
@require_POST
def installed_restore(request, pk):
    employee = request.employee
    item = selectors.access_installed(employee, pk, deleted=True)
    try:
        services.installed_restore(actor=employee, item=item)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("installed_products:installed_list")
    messages.success(request, _("安装档案 %(code)s 已恢复。") % {"code": item.code})
    return redirect("installed_products:installed_detail", item.pk)


@employee_required
def installed_from_order(request, pk):
    """Register the units of one line of a confirmed order, one serial number each."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.create")
    policy.require(employee, "orders.view")
    try:
        order = order_selectors.with_lines(order_selectors.order_queryset(employee=employee)).get(
            pk=int(pk)
        )
    except (Order.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    lines = list(order.lines.all())
    form = FromOrderForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.installed_create_from_order(
                actor=employee,
                order=order,
                line=data["line"],
                serial_numbers=form.serials(),
                install_date=data["install_date"],
                warranty_months=data["warranty_months"],
                location=data["location"],
            )
        except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已登记 %(n)d 条安装档案。") % {"n": len(made)})
            return redirect(f"{_list_url()}?customer={order.customer_id}")
    return render(
        request,
        "installed/installed_from_order.html",
        {"form": form, "order": order, "usable": order.status in services.ORDER_USABLE},
        status=form_status(request, form),
    )


def _list_url():
    from django.urls import reverse

    return reverse("installed_products:installed_list")


@employee_required
@require_GET
def customer_card(request, pk):
    """The installed products card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, f"{MODULE}.view")
    items = selectors.customer_installed(employee=employee, customer_id=customer.pk)
    today = timezone.localdate()
    for item in items:
        item.warranty = warranty_state(item.warranty_end, today)
    return render(
        request,
        "installed/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "items": items,
            "warranty_labels": Warranty.LABELS,
            "can_create": policy.can(employee, f"{MODULE}.create"),
        },
    )
