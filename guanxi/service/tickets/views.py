"""Ticket screens: list (filters, quick views, agent scores), detail (status actions,
conversation, reply box, assignment, resolution, closing and survey, reopening, files,
customer side panel), new/edit form, the customer 360° card, the call-centre screen and
the customer's public survey page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.orgs import policy
from guanxi.orgs import selectors as org_selectors
from guanxi.orgs.models import Employee, Role
from guanxi.sales import paging
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.tickets import selectors, services
from guanxi.service.tickets.filters import ME, OPEN, STATUS_CHOICES, UNASSIGNED, TicketFilter
from guanxi.service.tickets.forms import AssignForm, ReplyForm, SurveyForm, TicketForm, UploadForm
from guanxi.service.tickets.models import Ticket
from guanxi.workspace.activity_views import attachment_response

PAGE_SIZE = 50
CUSTOMER_CHOICES = 200
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _selected_id(value):
    try:
        return int(value) if value not in (None, "") and len(str(value)) < 19 else None
    except (TypeError, ValueError):
        return None


def _categories():
    return [
        (entry.code, entry.display_label)
        for entry in org_selectors.dictionary_entries(kind="ticket_category", active_only=True)
    ]


def _category_labels():
    return org_selectors.dictionary_labels(kinds=["ticket_category"])["ticket_category"]


def _quick_views(employee):
    """The list's saved-view-like quick filters: (key, label, query)."""
    return [
        ("mine", _("我的工单"), f"assignee={ME}&status={OPEN}"),
        ("unassigned", _("未分配"), f"assignee={UNASSIGNED}&status={OPEN}"),
        ("pending", _("待处理"), "status=new"),
        ("resolved", _("已解决"), "status=resolved"),
    ]


def _agents():
    """Who a ticket can be given to: the org's active employees with a role that works
    tickets (two queries)."""
    roles = [
        role.pk
        for role in Role.objects.all()
        if role.is_admin or "tickets.edit" in role.permissions
    ]
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, roles__in=roles)
        .select_related("department")
        .distinct()
        .order_by("department__path", "name", "id")
    )


@employee_required
@require_GET
def ticket_list(request):
    employee = request.employee
    policy.require(employee, "tickets.view")
    queryset = (
        selectors.ticket_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "assignee", "team")
        .order_by("-id")
    )
    filters = TicketFilter(request.GET, queryset=queryset, employee=employee)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    rows = list(rows)
    scores = selectors.agent_scores(
        employee=employee, agent_ids={t.assignee_id for t in rows if t.assignee_id}
    )
    for ticket in rows:
        ticket.agent_score = scores.get(ticket.assignee_id)
    query = request.GET.urlencode()
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": STATUS_CHOICES,
            "priorities": Ticket.Priority.choices,
            "channels": Ticket.Channel.choices,
            "categories": _categories(),
            "category_labels": _category_labels(),
            "quick_views": [
                (key, label, q, query == q) for key, label, q in _quick_views(employee)
            ],
            "can_create": policy.can(employee, "tickets.create"),
        },
    )


def _form_choices(employee, customer_id, ticket=None):
    visible = customer_selectors.customer_queryset(employee=employee).select_related(None)
    customers = list(visible.only("id", "name").order_by("-id")[:CUSTOMER_CHOICES])
    if customer_id and customer_id not in {c.pk for c in customers}:
        chosen = visible.only("id", "name").filter(pk=customer_id).first()
        if chosen is not None:
            customers.insert(0, chosen)
    contacts, installed = _customer_options(customer_id)
    products = list(Product.objects.filter(active=True).only("id", "name").order_by("name"))
    if (
        ticket is not None
        and ticket.product_id
        and ticket.product_id not in {p.pk for p in products}
    ):
        products.insert(0, ticket.product)
    return {
        "customers": customers,
        "contacts": contacts,
        "categories": _categories(),
        "products": products,
        "installed": installed,
    }


def _customer_options(customer_id):
    if not customer_id:
        return [], []
    contacts = list(
        Contact.objects.filter(customer_id=customer_id).only("id", "name").order_by("name", "id")
    )
    installed = list(
        InstalledProduct.objects.filter(customer_id=customer_id)
        .select_related("product")
        .order_by("-id")[:200]
    )
    return contacts, installed


def _form_page(request, *, ticket=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    customer_id = _selected_id(source.get("customer")) or (ticket and ticket.customer_id)
    choices = _form_choices(employee, customer_id, ticket)
    if request.method == "POST":
        form = TicketForm(request.POST, **choices)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if ticket is None:
                    ticket = services.ticket_create(actor=employee, **data)
                    messages.success(request, _("工单 %(code)s 已创建。") % {"code": ticket.code})
                else:
                    services.ticket_update(actor=employee, ticket=ticket, version=version, **data)
                    messages.success(request, _("工单已更新。"))
                return redirect("tickets:ticket_detail", ticket.pk)
            except REFUSALS as exc:
                refuse(form, exc)
    else:
        initial = {"customer": customer_id, "channel": source.get("channel") or "phone"}
        if ticket is not None:
            initial = TicketForm.initial_for(ticket)
        else:
            initial["contact"] = _selected_id(source.get("contact"))
            initial["installed_product"] = _selected_id(source.get("installed_product"))
            initial["category"] = source.get("category", "")
        form = TicketForm(initial=initial, **choices)
    return render(
        request,
        "tickets/ticket_form.html",
        {"form": form, "ticket": ticket},
        status=form_status(request, form),
    )


@employee_required
@require_http_methods(["GET", "POST"])
def ticket_create(request):
    policy.require(request.employee, "tickets.create")
    return _form_page(request)


@employee_required
@require_http_methods(["GET", "POST"])
def ticket_edit(request, pk):
    ticket = selectors.access_ticket(request.employee, pk, write=True)
    if ticket.status == Ticket.Status.CLOSED:
        messages.error(request, _("工单已关闭，不能修改；请先重开工单。"))
        return redirect("tickets:ticket_detail", ticket.pk)
    return _form_page(request, ticket=ticket)


@employee_required
@require_GET
def customer_options(request):
    """The contact and installed-product options of the chosen customer (htmx swap in
    the ticket form)."""
    employee = request.employee
    policy.require(employee, "tickets.view")
    customer_id = _selected_id(request.GET.get("customer"))
    if customer_id is not None:
        customer_selectors.access_customer(employee, customer_id)
    contacts, installed = _customer_options(customer_id)
    form = TicketForm(
        initial={},
        customers=[],
        contacts=contacts,
        categories=[],
        products=[],
        installed=installed,
    )
    return render(request, "tickets/_customer_options.html", {"form": form})


def _with_files(messages_qs, attachments):
    """The conversation, each message with ``files``: the ticket's files that came or
    went with it (already loaded with the ticket: no query per message)."""
    by_message: dict[int, list] = {}
    for attachment in attachments:
        if attachment.message_id:
            by_message.setdefault(attachment.message_id, []).append(attachment)
    rows = list(messages_qs)
    for message in rows:
        message.files = by_message.get(message.pk, [])
    return rows


@employee_required
@require_GET
def ticket_detail(request, pk):
    employee = request.employee
    policy.require(employee, "tickets.view")
    try:
        ticket = selectors.with_detail(selectors.ticket_queryset(employee=employee)).get(pk=int(pk))
    except (Ticket.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    can_edit = policy.can(employee, "tickets.edit")
    S = Ticket.Status
    survey = selectors.current_survey(ticket)
    allowed = services.TRANSITIONS.get(ticket.status, ()) if can_edit else ()
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "category_label": _category_labels().get(ticket.category, ticket.category),
            "conversation": _with_files(
                selectors.ticket_messages(ticket=ticket), ticket.live_attachments
            ),
            "attachments": ticket.live_attachments,
            "survey": survey,
            "survey_form": SurveyForm(),
            "reply_form": ReplyForm(initial={"public": True}),
            "assign_form": AssignForm(employees=_agents()) if can_edit else None,
            "upload_form": UploadForm(),
            "can_edit": can_edit and ticket.status != S.CLOSED,
            "can_note": can_edit,
            "can_start": S.IN_PROGRESS in allowed,
            "can_wait": S.WAITING in allowed,
            "can_resolve": S.RESOLVED in allowed,
            "can_close": S.CLOSED in allowed,
            "can_reopen": can_edit and ticket.status in (S.RESOLVED, S.CLOSED),
            "can_assign": can_edit and ticket.is_open,
            "can_delete": policy.can(employee, "tickets.delete"),
            "can_repair": policy.can(employee, "repairs.create")
            and ticket.category in ("repair", "installation", "return"),
            "sees_knowledge": policy.can(employee, "knowledge.view"),
            "sees_defects": policy.can(employee, "defects.view"),
            "can_survey": can_edit and survey is not None and not survey.is_answered,
            "survey_link": request.session.pop(f"ticket-survey-{ticket.pk}", None),
            "open_tickets": [
                t
                for t in selectors.customer_open_tickets(
                    employee=employee, customer_id=ticket.customer_id, limit=6
                )
                if t.pk != ticket.pk
            ][:5],
        },
    )


def _back(ticket_id, anchor=""):
    return redirect(reverse("tickets:ticket_detail", args=[ticket_id]) + anchor)


@employee_required
@require_POST
def ticket_transition(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    status = request.POST.get("status", "")
    try:
        ticket = services.ticket_transition(
            actor=employee,
            ticket=ticket,
            status=status,
            resolution=request.POST.get("resolution", ""),
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request, _("工单已变为“%(status)s”。") % {"status": ticket.get_status_display()}
        )
    return _back(ticket.pk)


@employee_required
@require_POST
def ticket_assign(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    try:
        ticket = services.ticket_assign(
            actor=employee,
            ticket=ticket,
            assignee=request.POST.get("assignee") or None,
            reason=request.POST.get("reason", ""),
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("工单已分配给%(name)s。") % {"name": ticket.assignee.name})
    return _back(ticket.pk)


@employee_required
@require_POST
def ticket_reopen(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    try:
        services.ticket_reopen(actor=employee, ticket=ticket, reason=request.POST.get("reason", ""))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("工单已重开。"))
    return _back(ticket.pk)


@employee_required
@require_POST
def ticket_reply(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    form = ReplyForm(request.POST)
    form.is_valid()
    public = bool(form.cleaned_data.get("public"))
    try:
        services.ticket_reply(
            actor=employee,
            ticket=ticket,
            body=form.cleaned_data.get("body", ""),
            public=public,
            files=request.FILES.getlist("files"),
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已回复客户。") if public else _("内部备注已保存。"))
    return _back(ticket.pk, "#conversation")


@employee_required
@require_POST
def ticket_delete(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk)
    try:
        services.ticket_delete(actor=employee, ticket=ticket)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return _back(ticket.pk)
    messages.success(request, _("工单 %(code)s 已删除。") % {"code": ticket.code})
    return redirect("tickets:ticket_list")


@employee_required
@require_POST
def attachment_upload(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            attachment = services.ticket_attachment_upload(
                actor=employee, ticket=ticket, upload=form.cleaned_data["file"]
            )
        except REFUSALS as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(
                request, _("文件“%(name)s”已上传。") % {"name": attachment.original_name}
            )
    return _back(ticket.pk, "#files")


@employee_required
@require_GET
def attachment_download(request, pk):
    """The file, only for someone who may see its ticket (404 otherwise)."""
    return attachment_response(selectors.access_attachment(request.employee, pk))


@employee_required
@require_POST
def attachment_delete(request, pk):
    employee = request.employee
    attachment = selectors.access_attachment(employee, pk, write=True)
    try:
        services.ticket_attachment_delete(actor=employee, attachment=attachment)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("文件“%(name)s”已删除。") % {"name": attachment.original_name})
    return _back(attachment.ticket_id, "#files")


@employee_required
@require_POST
def survey_record(request, pk):
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    form = SurveyForm(request.POST)
    form.is_valid()
    try:
        services.ticket_survey_record(
            actor=employee,
            ticket=ticket,
            score=form.cleaned_data.get("score"),
            comment=form.cleaned_data.get("comment", ""),
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("满意度已记录。"))
    return _back(ticket.pk, "#survey")


@employee_required
@require_POST
def survey_link(request, pk):
    """A new customer survey link, shown once on the ticket page to copy and send."""
    employee = request.employee
    ticket = selectors.access_ticket(employee, pk, write=True)
    try:
        token = services.ticket_survey_link(actor=employee, ticket=ticket)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        request.session[f"ticket-survey-{ticket.pk}"] = request.build_absolute_uri(
            reverse("tickets:survey_public", args=[token])
        )
    return _back(ticket.pk, "#survey")


@require_http_methods(["GET", "POST"])
def survey_public(request, token):
    """The customer's survey page behind the secret link: no sign-in, one answer."""
    survey = services.survey_by_token(token)
    done = request.GET.get("done") == "1"
    if survey is None and not done:
        return render(request, "tickets/survey_public.html", {"invalid": True}, status=404)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and survey is not None and form.is_valid():
        try:
            services.survey_answer(
                token=token,
                score=form.cleaned_data.get("score"),
                comment=form.cleaned_data.get("comment", ""),
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            return redirect(reverse("tickets:survey_public", args=[token]) + "?done=1")
    response = render(
        request,
        "tickets/survey_public.html",
        {"survey": survey, "form": form, "done": done and survey is None},
        status=form_status(request, form),
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@employee_required
@require_GET
def customer_card(request, pk):
    """The tickets card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, "tickets.view")
    return render(
        request,
        "tickets/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "counts": selectors.customer_ticket_counts(employee=employee, customer_id=customer.pk),
            "tickets": selectors.customer_open_tickets(employee=employee, customer_id=customer.pk),
            "can_create": policy.can(employee, "tickets.create"),
        },
    )


@employee_required
@require_GET
def call_centre(request):
    """``/service/call?number=``: the caller's customer(s) popped up with open tickets,
    installed products and recent follow-ups, and a one-step new-ticket form."""
    employee = request.employee
    policy.require(employee, "tickets.view")
    raw = request.GET.get("number", "").strip()[:40]
    number = selectors.normalise_number(raw)
    too_short = bool(raw) and len(number) < selectors.MIN_CALL_DIGITS
    matches = (
        [] if too_short or not raw else selectors.call_lookup(employee=employee, number=number)
    )
    for match in matches:
        customer, contact = match["customer"], match["contact"]
        match["phone"] = policy.mask_phone(employee, customer.phone)
        match["contact_mobile"] = policy.mask_phone(employee, contact.mobile) if contact else ""
    return render(
        request,
        "tickets/call_centre.html",
        {
            "raw": raw,
            "number": number,
            "too_short": too_short,
            "matches": matches,
            "categories": _categories(),
            "priorities": Ticket.Priority.choices,
            "can_create": policy.can(employee, "tickets.create"),
            "can_create_customer": policy.can(employee, "customers.create"),
        },
    )


@employee_required
@require_POST
def call_ticket(request):
    """The call-centre screen's one-step ticket: customer and contact of the call,
    channel phone; opens the new ticket."""
    employee = request.employee
    number = request.POST.get("number", "")
    try:
        ticket = services.ticket_create(
            actor=employee,
            customer=request.POST.get("customer"),
            contact=request.POST.get("contact") or None,
            subject=request.POST.get("subject", ""),
            category=request.POST.get("category", ""),
            priority=request.POST.get("priority") or "normal",
            description=request.POST.get("description", ""),
            channel=Ticket.Channel.PHONE,
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect(reverse("callcentre:call") + "?" + _number_query(number))
    messages.success(request, _("工单 %(code)s 已创建。") % {"code": ticket.code})
    return redirect("tickets:ticket_detail", ticket.pk)


def _number_query(number):
    return urlencode({"number": number})
