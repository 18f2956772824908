"""Screens of repairs (list, form, detail with status actions, parts editor and fee
summary, printable repair sheet), packing lists (list, form, detail with lines, printable
sheet with the org's letterhead), service outlets (list, detail, form with the coverage
editor) and the fee lists (setup), and the repairs card of the customer 360° page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.audit import services as audit
from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.orgs.models import OrgSettings
from guanxi.sales import paging
from guanxi.sales.contracts.views import customer_choices, selected_id
from guanxi.sales.quotes.pdf import letterhead
from guanxi.service import choices
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.repairs import exports, selectors, services
from guanxi.service.repairs.filters import OutletFilter, PackingListFilter, RepairFilter
from guanxi.service.repairs.forms import (
    EntitlementForm,
    FeeItemForm,
    FeeListForm,
    OutletForm,
    PackingLineForm,
    PackingListForm,
    PartForm,
    RepairForm,
)
from guanxi.service.repairs.models import (
    FeeList,
    FeeListItem,
    PackingLine,
    PackingList,
    Repair,
    RepairPart,
    ServiceOutlet,
)
from guanxi.service.tickets import selectors as ticket_selectors

PAGE_SIZE = 50
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _places(employee):
    return OrgSettings.objects.get(org_id=employee.org_id).order_decimals


def _refused(request, exc):
    messages.error(request, refusal_text(exc))


# ---- repairs -------------------------------------------------------------------------


@employee_required
@require_GET
def repair_list(request):
    employee = request.employee
    policy.require(employee, "repairs.view")
    queryset = (
        selectors.repair_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "owner", "outlet", "product")
        .order_by("-id")
    )
    filters = RepairFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "repairs/repair_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "places": _places(employee),
            "statuses": Repair.Status.choices,
            "outlets": list(ServiceOutlet.objects.only("id", "name").order_by("code")),
            "technicians": choices.colleagues(),
            "can_create": policy.can(employee, "repairs.create"),
            "can_export": policy.can(employee, "repairs.export"),
        },
    )


@employee_required
@require_GET
def repair_export(request):
    """The filtered repair list as an Excel workbook (``repairs.export``); logged."""
    employee = request.employee
    policy.require(employee, "repairs.export")
    queryset = (
        selectors.repair_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "product", "outlet", "owner")
        .order_by("-id")
    )
    filters = RepairFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    body, count = exports.repairs_xlsx(rows, places=_places(employee))
    audit.record_export(
        actor=employee,
        entity="repairs.repair",
        row_count=count,
        file_format="xlsx",
        filters={key: value for key, value in request.GET.items() if value},
    )
    name = "{}-{}.xlsx".format(_("维修单"), timezone.localdate().isoformat())
    return spreadsheet.download(body, name)


def _repair_form_page(request, *, repair=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    ticket = None
    if repair is None:
        ticket = ticket_selectors.ticket_to_start_from(
            employee=employee, pk=selected_id(source.get("ticket"))
        )
        if source.get("ticket") and ticket is None:
            messages.warning(request, _("服务工单不存在或您无权查看，已按新维修单填写。"))
    customer_id = selected_id(source.get("customer"))
    if customer_id is None:
        customer_id = repair.customer_id if repair else (ticket.customer_id if ticket else None)
    product_id = selected_id(source.get("product")) or (
        repair.product_id if repair else (ticket.product_id if ticket else None)
    )
    installed = (
        list(
            InstalledProduct.objects.filter(customer_id=customer_id)
            .select_related("product")
            .order_by("-id")[:200]
        )
        if customer_id
        else []
    )
    kwargs = {
        "customers": customer_choices(employee, customer_id),
        "installed": installed,
        "products": choices.products([product_id]),
        "outlets": list(
            ServiceOutlet.objects.filter(
                Q(active=True) | Q(pk=repair.outlet_id if repair else None)
            ).order_by("code")
        ),
        "technicians": choices.colleagues(),
    }
    if request.method == "POST":
        form = RepairForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            ticket_id = data.pop("ticket")
            if data.get("labour_hours") is None:
                data["labour_hours"] = "0"
            try:
                if repair is None:
                    data.pop("diagnosis", None)
                    data.pop("result", None)
                    repair = services.repair_create(actor=employee, ticket=ticket_id, **data)
                    messages.success(request, _("维修单 %(code)s 已保存。") % {"code": repair.code})
                else:
                    data.pop("customer", None)
                    repair = services.repair_update(
                        actor=employee, repair=repair, version=version, **data
                    )
                    messages.success(request, _("维修单已更新。"))
                return redirect("repairs:repair_detail", repair.pk)
            except REFUSALS as exc:
                refuse(form, exc)
    elif repair is not None:
        form = RepairForm(initial=RepairForm.initial_for(repair), **kwargs)
    else:
        initial = {"customer": customer_id, "product": product_id}
        if ticket is not None:
            initial.update(
                ticket=ticket.pk,
                installed_product=ticket.installed_product_id,
                fault_description="\n".join(
                    part for part in (ticket.subject, ticket.description) if part
                ),
            )
        form = RepairForm(initial=initial, **kwargs)
    return render(
        request,
        "repairs/repair_form.html",
        {"form": form, "repair": repair, "ticket": ticket},
        status=form_status(request, form),
    )


@employee_required
def repair_create(request):
    """A new repair; ``?ticket=<id>`` fills the customer, installed product, product
    and fault from the ticket, ``?customer=<id>`` the customer."""
    policy.require(request.employee, "repairs.create")
    return _repair_form_page(request)


@employee_required
def repair_edit(request, pk):
    repair = selectors.access_repair(request.employee, pk, write=True)
    return _repair_form_page(request, repair=repair)


def _repair_for_page(employee, pk):
    policy.require(employee, "repairs.view")
    try:
        return selectors.with_parts(selectors.repair_queryset(employee=employee)).get(pk=int(pk))
    except (Repair.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc


@employee_required
@require_GET
def repair_detail(request, pk):
    employee = request.employee
    repair = _repair_for_page(employee, pk)
    can_edit = policy.can(employee, "repairs.edit")
    editable = can_edit and repair.parts_editable
    parts = list(repair.parts.all())
    return render(
        request,
        "repairs/repair_detail.html",
        {
            "repair": repair,
            "parts": parts,
            "places": _places(employee),
            "next_statuses": [
                (status, Repair.Status(status).label)
                for status in services.TRANSITIONS[repair.status]
            ]
            if can_edit
            else [],
            "can_edit": can_edit,
            "parts_editable": editable,
            "part_form": PartForm(products=choices.products()) if editable else None,
            "entitlement_form": EntitlementForm(
                initial={
                    "chargeable": repair.chargeable,
                    "entitlement_note": repair.entitlement_note,
                }
            )
            if editable
            else None,
            "packing_lists": list(
                selectors.packing_list_queryset(employee=employee)
                .select_related(None)
                .filter(repair=repair)
                .order_by("-id")
            ),
            "can_pack": policy.can(employee, "repairs.create") and bool(parts),
            "can_delete": policy.can(employee, "repairs.delete")
            and repair.status != Repair.Status.RETURNED,
        },
    )


@employee_required
@require_GET
def repair_print(request, pk):
    """The printable repair sheet (维修单)."""
    employee = request.employee
    repair = _repair_for_page(employee, pk)
    org_name, head = letterhead(employee.org_id)
    return render(
        request,
        "repairs/repair_print.html",
        {
            "repair": repair,
            "parts": list(repair.parts.all()),
            "places": _places(employee),
            "org_name": org_name,
            "head": head,
        },
    )


@employee_required
@require_POST
def repair_transition(request, pk):
    employee = request.employee
    repair = selectors.access_repair(employee, pk, write=True)
    try:
        repair = services.repair_transition(
            actor=employee, repair=repair, status=request.POST.get("status", "")
        )
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("维修单已改为“%(status)s”。") % {"status": repair.get_status_display()}
        )
    return redirect("repairs:repair_detail", repair.pk)


@employee_required
@require_POST
def repair_part_add(request, pk):
    employee = request.employee
    repair = selectors.access_repair(employee, pk, write=True)
    form = PartForm(request.POST, products=choices.products())
    if not form.is_valid():
        messages.error(request, _("请检查配件：%(errors)s") % {"errors": _form_text(form)})
    else:
        try:
            services.repair_add_part(actor=employee, repair=repair, **form.cleaned_data)
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("配件已添加。"))
    return redirect("repairs:repair_detail", repair.pk)


@employee_required
@require_POST
def repair_part_remove(request, pk, part_pk):
    employee = request.employee
    repair = selectors.access_repair(employee, pk, write=True)
    part = RepairPart.objects.filter(pk=part_pk, repair=repair).select_related("repair").first()
    if part is None:
        raise Http404
    try:
        services.repair_remove_part(actor=employee, part=part)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("配件已移除。"))
    return redirect("repairs:repair_detail", repair.pk)


@employee_required
@require_POST
def repair_entitlement(request, pk):
    employee = request.employee
    repair = selectors.access_repair(employee, pk, write=True)
    form = EntitlementForm(request.POST)
    if form.is_valid():
        try:
            services.repair_set_entitlement(actor=employee, repair=repair, **form.cleaned_data)
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("收费设置已更新。"))
    else:
        messages.error(request, _form_text(form))
    return redirect("repairs:repair_detail", repair.pk)


@employee_required
@require_POST
def repair_delete(request, pk):
    employee = request.employee
    repair = selectors.access_repair(employee, pk)
    try:
        services.repair_delete(actor=employee, repair=repair)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("repairs:repair_detail", repair.pk)
    messages.success(request, _("维修单 %(code)s 已删除。") % {"code": repair.code})
    return redirect("repairs:repair_list")


@employee_required
@require_POST
def repair_pack(request, pk):
    """生成装箱单: a draft packing list of the repair's parts."""
    employee = request.employee
    repair = selectors.access_repair(employee, pk)
    try:
        packing = services.packing_list_create(actor=employee, repair=repair.pk)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("repairs:repair_detail", repair.pk)
    messages.success(request, _("装箱单 %(code)s 已生成。") % {"code": packing.code})
    return redirect("repairs:packing_list_detail", packing.pk)


def _form_text(form):
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@employee_required
@require_GET
def customer_card(request, pk):
    """The repairs card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, "repairs.view")
    return render(
        request,
        "repairs/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "repairs": selectors.customer_repairs(employee=employee, customer_id=customer.pk),
            "places": _places(employee),
            "can_create": policy.can(employee, "repairs.create"),
        },
    )


# ---- packing lists -------------------------------------------------------------------


@employee_required
@require_GET
def packing_list_list(request):
    employee = request.employee
    policy.require(employee, "repairs.view")
    queryset = (
        selectors.packing_list_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "repair")
        .order_by("-id")
    )
    filters = PackingListFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "repairs/packing_list_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": PackingList.Status.choices,
            "can_create": policy.can(employee, "repairs.create"),
        },
    )


def _packing_form_page(request, *, packing=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    customer_id = selected_id(source.get("customer")) or (packing and packing.customer_id)
    kwargs = {"customers": customer_choices(employee, customer_id)}
    if request.method == "POST":
        form = PackingListForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if packing is None:
                    packing = services.packing_list_create(actor=employee, **data)
                    messages.success(
                        request, _("装箱单 %(code)s 已保存。") % {"code": packing.code}
                    )
                else:
                    data.pop("customer", None)
                    packing = services.packing_list_update(
                        actor=employee, packing_list=packing, version=version, **data
                    )
                    messages.success(request, _("装箱单已更新。"))
                return redirect("repairs:packing_list_detail", packing.pk)
            except REFUSALS as exc:
                refuse(form, exc)
    elif packing is not None:
        form = PackingListForm(
            initial={
                "customer": packing.customer_id,
                "ship_to_name": packing.ship_to_name,
                "ship_to_phone": packing.ship_to_phone,
                "ship_to_address": packing.ship_to_address,
                "carrier": packing.carrier,
                "tracking_number": packing.tracking_number,
                "notes": packing.notes,
                "version": packing.version,
            },
            **kwargs,
        )
    else:
        form = PackingListForm(initial={"customer": customer_id}, **kwargs)
    return render(
        request,
        "repairs/packing_list_form.html",
        {"form": form, "packing": packing},
        status=form_status(request, form),
    )


@employee_required
def packing_list_create(request):
    policy.require(request.employee, "repairs.create")
    return _packing_form_page(request)


@employee_required
def packing_list_edit(request, pk):
    packing = selectors.access_packing_list(request.employee, pk, write=True)
    return _packing_form_page(request, packing=packing)


def _packing_for_page(employee, pk):
    policy.require(employee, "repairs.view")
    try:
        return selectors.with_lines(selectors.packing_list_queryset(employee=employee)).get(
            pk=int(pk)
        )
    except (PackingList.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc


@employee_required
@require_GET
def packing_list_detail(request, pk):
    employee = request.employee
    packing = _packing_for_page(employee, pk)
    can_edit = policy.can(employee, "repairs.edit")
    editable = can_edit and packing.lines_editable
    return render(
        request,
        "repairs/packing_list_detail.html",
        {
            "packing": packing,
            "lines": list(packing.lines.all()),
            "can_edit": can_edit,
            "lines_editable": editable,
            "line_form": PackingLineForm(products=choices.products()) if editable else None,
            "next_statuses": [
                (status, PackingList.Status(status).label)
                for status in services.PACKING_TRANSITIONS[packing.status]
            ]
            if can_edit
            else [],
            "can_delete": policy.can(employee, "repairs.delete") and packing.lines_editable,
        },
    )


@employee_required
@require_GET
def packing_list_print(request, pk):
    """The printable packing list with the org's letterhead."""
    employee = request.employee
    packing = _packing_for_page(employee, pk)
    org_name, head = letterhead(employee.org_id)
    return render(
        request,
        "repairs/packing_list_print.html",
        {
            "packing": packing,
            "lines": list(packing.lines.all()),
            "org_name": org_name,
            "head": head,
            "phone": policy.mask_phone(employee, packing.ship_to_phone),
        },
    )


@employee_required
@require_POST
def packing_list_transition(request, pk):
    employee = request.employee
    packing = selectors.access_packing_list(employee, pk, write=True)
    try:
        packing = services.packing_list_transition(
            actor=employee, packing_list=packing, status=request.POST.get("status", "")
        )
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("装箱单已改为“%(status)s”。") % {"status": packing.get_status_display()}
        )
    return redirect("repairs:packing_list_detail", packing.pk)


@employee_required
@require_POST
def packing_line_add(request, pk):
    employee = request.employee
    packing = selectors.access_packing_list(employee, pk, write=True)
    form = PackingLineForm(request.POST, products=choices.products())
    if not form.is_valid():
        messages.error(request, _("请检查装箱明细：%(errors)s") % {"errors": _form_text(form)})
    else:
        try:
            services.packing_list_add_line(
                actor=employee, packing_list=packing, **form.cleaned_data
            )
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("装箱明细已添加。"))
    return redirect("repairs:packing_list_detail", packing.pk)


@employee_required
@require_POST
def packing_line_remove(request, pk, line_pk):
    employee = request.employee
    packing = selectors.access_packing_list(employee, pk, write=True)
    line = (
        PackingLine.objects.filter(pk=line_pk, packing_list=packing)
        .select_related("packing_list")
        .first()
    )
    if line is None:
        raise Http404
    try:
        services.packing_list_remove_line(actor=employee, line=line)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("装箱明细已移除。"))
    return redirect("repairs:packing_list_detail", packing.pk)


@employee_required
@require_POST
def packing_list_delete(request, pk):
    employee = request.employee
    packing = selectors.access_packing_list(employee, pk)
    try:
        services.packing_list_delete(actor=employee, packing_list=packing)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("repairs:packing_list_detail", packing.pk)
    messages.success(request, _("装箱单 %(code)s 已删除。") % {"code": packing.code})
    return redirect("repairs:packing_list_list")


# ---- outlets -------------------------------------------------------------------------


@employee_required
@require_GET
def outlet_list(request):
    employee = request.employee
    policy.require(employee, "service_outlets.view")
    queryset = selectors.outlet_queryset(employee=employee).order_by("code", "id")
    filters = OutletFilter(request.GET, queryset=queryset)
    rows = list(filters.qs[:500] if filters.is_valid() else queryset.none())
    loads = selectors.open_repair_counts([outlet.pk for outlet in rows])
    for outlet in rows:
        outlet.open_repairs = loads.get(outlet.pk, 0)
    return render(
        request,
        "repairs/outlet_list.html",
        {
            "filters": filters,
            "rows": rows,
            "kinds": ServiceOutlet.Kind.choices,
            "can_create": policy.can(employee, "service_outlets.create"),
        },
    )


@employee_required
@require_GET
def outlet_detail(request, pk):
    employee = request.employee
    outlet = selectors.access_outlet(employee, pk)
    technicians = list(outlet.technicians.only("id", "name").order_by("name"))
    repairs = []
    if policy.can(employee, "repairs.view"):
        repairs = list(
            selectors.repair_queryset(employee=employee)
            .select_related(None)
            .select_related("customer", "owner")
            .filter(outlet=outlet, status__in=Repair.OPEN_STATUSES)
            .order_by("-id")[:20]
        )
    return render(
        request,
        "repairs/outlet_detail.html",
        {
            "outlet": outlet,
            "technicians": technicians,
            "repairs": repairs,
            "open_repairs": selectors.open_repair_counts([outlet.pk]).get(outlet.pk, 0),
            "can_edit": policy.can(employee, "service_outlets.edit"),
            "can_delete": policy.can(employee, "service_outlets.delete"),
        },
    )


def _outlet_form_page(request, *, outlet=None):
    employee = request.employee
    kwargs = {
        "employees": choices.colleagues(),
        "fee_lists": list(FeeList.objects.filter(active=True).order_by("name")),
    }
    if request.method == "POST":
        form = OutletForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if outlet is None:
                    outlet = services.outlet_create(actor=employee, **data)
                    messages.success(request, _("服务网点已保存。"))
                else:
                    outlet = services.outlet_update(
                        actor=employee, outlet=outlet, version=version, **data
                    )
                    messages.success(request, _("服务网点已更新。"))
                return redirect("repairs:outlet_detail", outlet.pk)
            except REFUSALS as exc:
                refuse(form, exc)
    elif outlet is not None:
        form = OutletForm(initial=OutletForm.initial_for(outlet), **kwargs)
    else:
        form = OutletForm(**kwargs)
    return render(
        request,
        "repairs/outlet_form.html",
        {"form": form, "outlet": outlet},
        status=form_status(request, form),
    )


@employee_required
def outlet_create(request):
    policy.require(request.employee, "service_outlets.create")
    return _outlet_form_page(request)


@employee_required
def outlet_edit(request, pk):
    outlet = selectors.access_outlet(request.employee, pk, write=True)
    return _outlet_form_page(request, outlet=outlet)


@employee_required
@require_POST
def outlet_delete(request, pk):
    employee = request.employee
    outlet = selectors.access_outlet(employee, pk)
    try:
        services.outlet_delete(actor=employee, outlet=outlet)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("repairs:outlet_detail", outlet.pk)
    messages.success(request, _("服务网点已删除。"))
    return redirect("repairs:outlet_list")


# ---- fee lists -----------------------------------------------------------------------


@employee_required
def fee_list(request):
    """The fee lists (service setup) and the form to add one."""
    employee = request.employee
    policy.require(employee, "service_setup.view")
    can_edit = policy.can(employee, "service_setup.edit")
    form = FeeListForm()
    if request.method == "POST":
        policy.require(employee, "service_setup.edit")
        form = FeeListForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("version")
            try:
                created = services.fee_list_create(actor=employee, **data)
            except REFUSALS as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("收费标准已保存。"))
                return redirect("repairs:fee_list_detail", created.pk)
    rows = list(FeeList.objects.order_by("-is_default", "name", "id"))
    return render(
        request,
        "repairs/fee_list.html",
        {"rows": rows, "form": form if can_edit else None, "can_edit": can_edit},
        status=form_status(request, form),
    )


@employee_required
def fee_list_detail(request, pk):
    """One fee list: its rates (editable) and its part prices."""
    employee = request.employee
    record = selectors.access_fee_list(employee, pk)
    can_edit = policy.can(employee, "service_setup.edit")
    form = FeeListForm(initial=FeeListForm.initial_for(record))
    if request.method == "POST":
        record = selectors.access_fee_list(employee, pk, write=True)
        form = FeeListForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.fee_list_update(actor=employee, fee_list=record, version=version, **data)
            except REFUSALS as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("收费标准已更新。"))
                return redirect("repairs:fee_list_detail", record.pk)
    items = list(FeeListItem.objects.filter(fee_list=record).select_related("product"))
    return render(
        request,
        "repairs/fee_list_detail.html",
        {
            "fee": record,
            "items": items,
            "form": form if can_edit else None,
            "item_form": FeeItemForm(products=choices.products()) if can_edit else None,
            "can_edit": can_edit,
        },
        status=form_status(request, form),
    )


@employee_required
@require_POST
def fee_item_set(request, pk):
    employee = request.employee
    record = selectors.access_fee_list(employee, pk, write=True)
    form = FeeItemForm(request.POST, products=choices.products())
    if not form.is_valid():
        messages.error(request, _form_text(form))
    else:
        try:
            services.fee_list_set_item(actor=employee, fee_list=record, **form.cleaned_data)
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("配件价格已保存。"))
    return redirect("repairs:fee_list_detail", record.pk)


@employee_required
@require_POST
def fee_item_remove(request, pk, item_pk):
    employee = request.employee
    record = selectors.access_fee_list(employee, pk, write=True)
    item = FeeListItem.objects.filter(pk=item_pk, fee_list=record).first()
    if item is None:
        raise Http404
    services.fee_list_remove_item(actor=employee, item=item)
    messages.success(request, _("配件价格已移除。"))
    return redirect("repairs:fee_list_detail", record.pk)


@employee_required
@require_POST
def fee_list_delete(request, pk):
    employee = request.employee
    record = selectors.access_fee_list(employee, pk, write=True)
    try:
        services.fee_list_delete(actor=employee, fee_list=record)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("repairs:fee_list_detail", record.pk)
    messages.success(request, _("收费标准已删除。"))
    return redirect("repairs:fee_list")
