"""Screens of product defects: the list (filters, badges, ticket counts), the form, the
detail page (linked tickets with the link-by-code form, status actions), the statistics
page (counts per product, monthly trend chart) and the defects panel of a ticket page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.audit import services as audit
from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.orgs import policy
from guanxi.sales import paging
from guanxi.sales.contracts.views import selected_id
from guanxi.service import choices
from guanxi.service.defects import exports, selectors, services
from guanxi.service.defects.filters import DefectFilter
from guanxi.service.defects.forms import DefectForm, LinkForm, TransitionForm
from guanxi.service.defects.models import Defect
from guanxi.service.tickets import selectors as ticket_selectors

PAGE_SIZE = 50
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _refused(request, exc):
    messages.error(request, refusal_text(exc))


@employee_required
@require_GET
def defect_list(request):
    employee = request.employee
    policy.require(employee, "defects.view")
    queryset = selectors.defect_queryset(employee=employee).order_by("-id")
    filters = DefectFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "defects/defect_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": Defect.Status.choices,
            "severities": Defect.Severity.choices,
            "products": choices.products(),
            "can_create": policy.can(employee, "defects.create"),
            "can_export": policy.can(employee, "defects.export"),
        },
    )


@employee_required
@require_GET
def defect_export(request):
    """The filtered defect list as an Excel workbook (``defects.export``); logged."""
    employee = request.employee
    policy.require(employee, "defects.export")
    queryset = selectors.defect_queryset(employee=employee).order_by("-id")
    filters = DefectFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    body, count = exports.defects_xlsx(rows)
    audit.record_export(
        actor=employee,
        entity="defects.defect",
        row_count=count,
        file_format="xlsx",
        filters={key: value for key, value in request.GET.items() if value},
    )
    name = "{}-{}.xlsx".format(_("产品缺陷"), timezone.localdate().isoformat())
    return spreadsheet.download(body, name)


def _form_page(request, *, defect=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    ticket = None
    if defect is None:
        ticket = ticket_selectors.ticket_to_start_from(
            employee=employee, pk=selected_id(source.get("ticket"))
        )
        if source.get("ticket") and ticket is None:
            messages.warning(request, _("服务工单不存在或您无权查看，已按新缺陷填写。"))
    product_id = selected_id(source.get("product"))
    if product_id is None and defect is not None:
        product_id = defect.product_id
    if product_id is None and ticket is not None:
        product_id = ticket.product_id or (
            ticket.installed_product.product_id if ticket.installed_product_id else None
        )
    kwargs = {"products": choices.products([product_id]), "people": choices.colleagues()}
    if request.method == "POST":
        form = DefectForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            data.pop("ticket")
            try:
                if defect is None:
                    data.pop("resolution", None)
                    defect = services.defect_create(
                        actor=employee, ticket=ticket.pk if ticket else None, **data
                    )
                    messages.success(request, _("缺陷 %(code)s 已登记。") % {"code": defect.code})
                else:
                    defect = services.defect_update(
                        actor=employee, defect=defect, version=version, **data
                    )
                    messages.success(request, _("缺陷已更新。"))
                return redirect("defects:defect_detail", defect.pk)
            except REFUSALS as exc:
                refuse(form, exc)
    elif defect is not None:
        form = DefectForm(initial=DefectForm.initial_for(defect), **kwargs)
    else:
        initial = {"product": product_id}
        if ticket is not None:
            initial.update(ticket=ticket.pk, title=ticket.subject, description=ticket.description)
        form = DefectForm(initial=initial, **kwargs)
    return render(
        request,
        "defects/defect_form.html",
        {"form": form, "defect": defect, "ticket": ticket},
        status=form_status(request, form),
    )


@employee_required
def defect_create(request):
    """Record a defect; ``?ticket=<id>`` fills the product, title and description from
    the ticket and links it."""
    policy.require(request.employee, "defects.create")
    return _form_page(request)


@employee_required
def defect_edit(request, pk):
    defect = selectors.access_defect(request.employee, pk, write=True)
    return _form_page(request, defect=defect)


@employee_required
@require_GET
def defect_detail(request, pk):
    employee = request.employee
    defect = selectors.access_defect(employee, pk)
    can_edit = policy.can(employee, "defects.edit")
    next_statuses = (
        [(status, Defect.Status(status).label) for status in services.TRANSITIONS[defect.status]]
        if can_edit
        else []
    )
    can_see_tickets = policy.can(employee, "tickets.view")
    links = list(selectors.defect_tickets(defect=defect)) if can_see_tickets else []
    visible = (
        set(
            ticket_selectors.ticket_queryset(employee=employee)
            .filter(pk__in=[link.ticket_id for link in links])
            .values_list("pk", flat=True)
        )
        if links
        else set()
    )
    return render(
        request,
        "defects/defect_detail.html",
        {
            "defect": defect,
            "links": [(link, link.ticket_id in visible) for link in links],
            "can_see_tickets": can_see_tickets,
            "next_statuses": [pair for pair in next_statuses if pair[0] != Defect.Status.DUPLICATE],
            "can_duplicate": Defect.Status.DUPLICATE in dict(next_statuses),
            "transition_form": TransitionForm(
                originals=selectors.duplicate_choices(employee=employee, defect=defect)
            )
            if can_edit
            else None,
            "link_form": LinkForm() if can_edit and can_see_tickets else None,
            "can_edit": can_edit,
            "can_delete": policy.can(employee, "defects.delete"),
        },
    )


@employee_required
@require_POST
def defect_transition(request, pk):
    employee = request.employee
    defect = selectors.access_defect(employee, pk, write=True)
    form = TransitionForm(
        request.POST, originals=selectors.duplicate_choices(employee=employee, defect=defect)
    )
    if not form.is_valid():
        messages.error(request, _("请选择有效的状态和原缺陷。"))
        return redirect("defects:defect_detail", defect.pk)
    data = {
        "status": form.cleaned_data["status"],
        "version": form.cleaned_data["version"],
        "duplicate_of": form.cleaned_data["duplicate_of"],
    }
    if form.cleaned_data["fixed_version"]:
        data["fixed_version"] = form.cleaned_data["fixed_version"]
    try:
        defect = services.defect_transition(actor=employee, defect=defect, **data)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("缺陷已改为“%(status)s”。") % {"status": defect.get_status_display()}
        )
    return redirect("defects:defect_detail", defect.pk)


def _back(request, default):
    """Back to the page the form was on (the ticket page's panel) when it says so."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(*default)


@employee_required
@require_POST
def defect_link(request, pk):
    employee = request.employee
    defect = selectors.access_defect(employee, pk, write=True)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写要关联的工单编号。"))
    else:
        try:
            link = services.defect_link_ticket(
                actor=employee, defect=defect, ticket=form.cleaned_data["ticket"]
            )
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                _("工单 %(ticket)s 已关联到缺陷 %(code)s。")
                % {"ticket": link.ticket.code, "code": defect.code},
            )
    return _back(request, ("defects:defect_detail", defect.pk))


@employee_required
@require_POST
def defect_unlink(request, pk, ticket_pk):
    employee = request.employee
    defect = selectors.access_defect(employee, pk, write=True)
    try:
        services.defect_unlink_ticket(actor=employee, defect=defect, ticket=ticket_pk)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已取消关联。"))
    return _back(request, ("defects:defect_detail", defect.pk))


@employee_required
@require_POST
def defect_delete(request, pk):
    employee = request.employee
    defect = selectors.access_defect(employee, pk)
    try:
        services.defect_delete(actor=employee, defect=defect)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("defects:defect_detail", defect.pk)
    messages.success(request, _("缺陷 %(code)s 已删除。") % {"code": defect.code})
    return redirect("defects:defect_list")


def _trend_chart(trend):
    return {
        "categories": [row["month"] for row in trend],
        "series": [
            {"name": _("新登记缺陷"), "data": [row["defects"] for row in trend]},
            {"name": _("关联工单"), "data": [row["tickets"] for row in trend]},
        ],
    }


@employee_required
@require_GET
def defect_stats(request):
    """Counts per product and the monthly trend (optionally of one ``?product=``)."""
    employee = request.employee
    policy.require(employee, "defects.view")
    product_id = selected_id(request.GET.get("product"))
    data = selectors.stats(employee=employee, product=product_id)
    return render(
        request,
        "defects/defect_stats.html",
        {
            **data,
            "trend_chart": _trend_chart(data["trend"]),
            "products_choice": choices.products([product_id]),
            "product_id": product_id,
        },
    )


@employee_required
@require_GET
def ticket_panel(request, pk):
    """The defects of one ticket (for its page): the list, "登记缺陷" and linking an
    existing defect by its code."""
    employee = request.employee
    if not policy.can(employee, "defects.view"):
        # the ticket page loads the panel for everyone: without the module it is empty
        return HttpResponse("")
    ticket = ticket_selectors.access_ticket(employee, pk)
    return render(
        request,
        "defects/_ticket_defects.html",
        {
            "ticket": ticket,
            "defects": selectors.ticket_defects(employee=employee, ticket_id=ticket.pk),
            "can_create": policy.can(employee, "defects.create"),
            "can_link": policy.can(employee, "defects.edit"),
        },
    )


@employee_required
@require_POST
def ticket_link(request, pk):
    """Link this ticket to an existing defect given by its code (the ticket panel)."""
    employee = request.employee
    ticket = ticket_selectors.access_ticket(employee, pk)
    code = request.POST.get("defect", "").strip()
    defect = (
        selectors.defect_queryset(employee=employee).filter(code=code).first()
        if code and policy.can(employee, "defects.view")
        else None
    )
    if defect is None:
        messages.error(request, _("缺陷编号不存在，请检查后重新输入。"))
    else:
        try:
            services.defect_link_ticket(actor=employee, defect=defect, ticket=ticket.pk)
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                _("工单 %(ticket)s 已关联到缺陷 %(code)s。")
                % {"ticket": ticket.code, "code": defect.code},
            )
    return _back(request, ("tickets:ticket_detail", ticket.pk))
