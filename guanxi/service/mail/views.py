"""E-mail channel screens: the mailbox settings (with "test connection" and "poll
now"), the received-mail log, the unmatched mails and turning one into a ticket, and
the log of replies sent."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.jobs import services as job_services
from guanxi.orgs import policy
from guanxi.orgs.selectors import dictionary_entries
from guanxi.sales import paging
from guanxi.service.mail import jobs, selectors, services
from guanxi.service.mail.filters import InboundMailFilter, OutboundMailFilter
from guanxi.service.mail.forms import CreateTicketForm, MailboxForm
from guanxi.service.mail.models import InboundMail, Mailbox, OutboundMail

PAGE_SIZE = 50
CUSTOMER_CHOICES = 200


def _ticket_url(ticket_id):
    try:
        return reverse("tickets:ticket_detail", args=[ticket_id])
    except NoReverseMatch:
        return ""


def _tabs(employee, active):
    """The channel's tabs this employee may open."""
    tabs = []
    if policy.can(employee, services.SETUP_VIEW):
        tabs.append(("mailbox", _("邮箱设置"), reverse("service_mail:mailbox")))
    if selectors.can_read_mail(employee):
        tabs.append(("inbound", _("收件记录"), reverse("service_mail:inbound_list")))
    if policy.can(employee, "tickets.create"):
        tabs.append(("unmatched", _("未匹配邮件"), reverse("service_mail:unmatched_list")))
    if selectors.can_read_mail(employee):
        tabs.append(("outbound", _("发件记录"), reverse("service_mail:outbound_list")))
    return {"tabs": tabs, "active_tab": active}


# ---- the mailbox settings --------------------------------------------------------------


def _unsaved_mailbox(form, stored: Mailbox | None) -> Mailbox:
    """The settings typed in the form, as an unsaved mailbox (blank passwords: the
    stored ones), to test before saving."""
    _version, data = form.values()
    candidate = Mailbox(org_id=stored.org_id if stored else None)
    for name, value in data.items():
        if name in services.PASSWORD_FIELDS:
            if value:
                candidate.set_password(name, value)
            elif stored is not None:
                setattr(candidate, name, getattr(stored, name))
            continue
        setattr(candidate, name, value if value is not None else "")
    candidate.imap_folder = candidate.imap_folder or "INBOX"
    return candidate


@employee_required
def mailbox(request):
    """The org's mailbox settings: see them with ``service_setup.view``, save with
    ``.edit``."""
    employee = request.employee
    stored = selectors.access_mailbox(employee)
    can_edit = policy.can(employee, services.SETUP_EDIT)
    if request.method == "POST":
        policy.require(employee, services.SETUP_EDIT)
        form = MailboxForm(request.POST, mailbox=stored)
        if form.is_valid():
            version, data = form.values()
            try:
                services.mailbox_save(actor=employee, mailbox=stored, version=version, **data)
            except (ValidationError, BusinessRuleError) as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("邮箱设置已保存。"))
                return redirect("service_mail:mailbox")
    else:
        initial = MailboxForm.initial_for(stored) if stored else {}
        form = MailboxForm(initial=initial, mailbox=stored)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "service_mail/mailbox.html",
        {
            "form": form,
            "mailbox": stored,
            "can_edit": can_edit,
            **_tabs(employee, "mailbox"),
        },
        status=form_status(request, form),
    )


@employee_required
@require_POST
def mailbox_test(request):
    """ "测试连接": connect with the settings in the form (saved or not); answers the
    result partial."""
    employee = request.employee
    stored = selectors.access_mailbox(employee, write=True)
    form = MailboxForm(request.POST, mailbox=stored)
    if not form.is_valid():
        return render(
            request,
            "service_mail/_test_result.html",
            {"invalid": True, "form": form},
        )
    check = services.mailbox_test_connection(actor=employee, mailbox=_unsaved_mailbox(form, stored))
    return render(request, "service_mail/_test_result.html", {"check": check})


@employee_required
@require_POST
def mailbox_poll(request):
    """ "立即收信": a job that polls the mailbox now."""
    employee = request.employee
    stored = selectors.access_mailbox(employee, write=True)
    if stored is None:
        messages.error(request, _("请先保存邮箱设置。"))
        return redirect("service_mail:mailbox")
    job = job_services.job_start(actor=employee, kind=jobs.POLL_KIND)
    try:
        return redirect(reverse("jobs:job_detail", args=[job.pk]))
    except NoReverseMatch:
        messages.success(request, _("已开始收信，稍后刷新本页查看结果。"))
        return redirect("service_mail:mailbox")


# ---- logs ------------------------------------------------------------------------------


@employee_required
@require_GET
def inbound_list(request):
    employee = request.employee
    if not selectors.can_read_mail(employee):
        raise PermissionDenied(_("您没有查看服务邮件的权限。"))
    queryset = selectors.inbound_queryset(employee=employee).order_by("-id")
    filters = InboundMailFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "service_mail/inbound_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": InboundMail.Status.choices,
            **_tabs(employee, "inbound"),
        },
    )


@employee_required
@require_GET
def outbound_list(request):
    employee = request.employee
    if not selectors.can_read_mail(employee):
        raise PermissionDenied(_("您没有查看服务邮件的权限。"))
    queryset = selectors.outbound_queryset(employee=employee).order_by("-id")
    filters = OutboundMailFilter(request.GET, queryset=queryset)
    rows = filters.qs if filters.is_valid() else queryset.none()
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "service_mail/outbound_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": OutboundMail.Status.choices,
            "can_retry": policy.can(employee, "tickets.edit"),
            **_tabs(employee, "outbound"),
        },
    )


@employee_required
@require_POST
def outbound_retry(request, pk):
    employee = request.employee
    outbound = selectors.access_outbound(employee, pk, write=True)
    try:
        services.outbound_retry(actor=employee, outbound=outbound)
    except BusinessRuleError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已重新发送。"))
    return redirect("service_mail:outbound_list")


# ---- unmatched mails -------------------------------------------------------------------


@employee_required
@require_GET
def unmatched_list(request):
    employee = request.employee
    policy.require(employee, "tickets.create")
    queryset = selectors.unmatched_queryset(employee=employee).defer("raw", "body_text")
    rows, pager = paging.keyset_page(request, queryset, order=("-pk",), size=PAGE_SIZE)
    return render(
        request,
        "service_mail/unmatched_list.html",
        {"rows": rows, **pager, **_tabs(employee, "unmatched")},
    )


def _suggested_customers(employee, mail, selected_id):
    """Customers to offer: those whose contacts write from the sender's domain first
    (not for the big free-mail domains), then the latest, then the chosen one."""
    visible = customer_selectors.customer_queryset(employee=employee).select_related(None)
    domain = mail.from_address.rsplit("@", 1)[-1] if "@" in mail.from_address else ""
    suggested = []
    if domain and domain not in FREE_MAIL:
        same_domain = Contact.objects.filter(email__iendswith=f"@{domain}").values("customer_id")
        suggested = list(
            visible.filter(Q(pk__in=same_domain) | Q(email__iendswith=f"@{domain}"))
            .only("id", "name")
            .order_by("-id")[:20]
        )
    seen = {c.pk for c in suggested}
    latest = [
        c for c in visible.only("id", "name").order_by("-id")[:CUSTOMER_CHOICES] if c.pk not in seen
    ]
    customers = suggested + latest
    if selected_id and selected_id not in {c.pk for c in customers}:
        chosen = visible.only("id", "name").filter(pk=selected_id).first()
        if chosen is not None:
            customers.insert(0, chosen)
    return customers, {c.pk for c in suggested}


FREE_MAIL = {
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "sohu.com",
    "yeah.net",
    "foxmail.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "139.com",
    "aliyun.com",
}


def _selected(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _contacts(customer_id):
    if not customer_id:
        return []
    return list(
        Contact.objects.filter(customer_id=customer_id).only("id", "name").order_by("name", "id")
    )


def _categories():
    entries = dictionary_entries(kind="ticket_category", active_only=True)
    return [(e.code, e.display_label) for e in entries]


@employee_required
def inbound_detail(request, pk):
    """One received mail; an unmatched one with the form that turns it into a ticket."""
    employee = request.employee
    mail = selectors.access_inbound(employee, pk)
    can_handle = mail.status == InboundMail.Status.UNMATCHED and policy.can(
        employee, "tickets.create"
    )
    form = None
    suggested: set[int] = set()
    if can_handle:
        source = request.POST if request.method == "POST" else request.GET
        customer_id = _selected(source.get("customer"))
        customers, suggested = _suggested_customers(employee, mail, customer_id)
        if customer_id is None and len(suggested) == 1:
            customer_id = next(iter(suggested))
        kwargs = {
            "customers": customers,
            "contacts": _contacts(customer_id),
            "categories": _categories(),
        }
        if request.method == "POST":
            form = CreateTicketForm(request.POST, **kwargs)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    handled = services.inbound_create_ticket(
                        actor=employee,
                        inbound=mail,
                        customer=data["customer"],
                        contact=data.get("contact"),
                        subject=data.get("subject") or "",
                        category=data.get("category") or services.DEFAULT_CATEGORY,
                    )
                except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
                    refuse(form, exc)
                else:
                    messages.success(
                        request,
                        _("已创建工单 %(code)s。") % {"code": handled.ticket.code},
                    )
                    url = _ticket_url(handled.ticket_id)
                    return redirect(url) if url else redirect("service_mail:unmatched_list")
        else:
            form = CreateTicketForm(
                initial={
                    "customer": customer_id,
                    "subject": mail.subject,
                    "category": services.DEFAULT_CATEGORY,
                },
                **kwargs,
            )
    if form is not None:
        # the contact select follows the customer select (htmx, no script of our own)
        form.fields["customer"].widget.attrs.update(
            {
                "hx-get": reverse("service_mail:contact_options"),
                "hx-target": "#id_contact",
                "hx-trigger": "change",
                "data-testid": "create-ticket-customer",
            }
        )
    if form is None and request.method == "POST":
        return HttpResponseBadRequest(_("这封邮件已处理。"))
    return render(
        request,
        "service_mail/inbound_detail.html",
        {
            "mail": mail,
            "form": form,
            "suggested": suggested,
            "ticket_url": _ticket_url(mail.ticket_id) if mail.ticket_id else "",
            **_tabs(employee, "unmatched" if can_handle else "inbound"),
        },
        status=form_status(request, form) if form is not None else 200,
    )


@employee_required
@require_GET
def contact_options(request):
    """The ``<option>``s of a customer's contacts (the create-ticket form's contact
    select follows its customer select)."""
    employee = request.employee
    policy.require(employee, "tickets.create")
    customer_id = _selected(request.GET.get("customer"))
    contacts = []
    if customer_id is not None:
        visible = customer_selectors.customer_queryset(employee=employee)
        if visible.filter(pk=customer_id).exists():
            contacts = _contacts(customer_id)
    return render(request, "service_mail/_contact_options.html", {"contacts": contacts})


@employee_required
@require_POST
def inbound_dismiss(request, pk):
    employee = request.employee
    mail = selectors.access_inbound(employee, pk, write=True)
    try:
        services.inbound_dismiss(actor=employee, inbound=mail)
    except BusinessRuleError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已忽略这封邮件。"))
    return redirect("service_mail:unmatched_list")
