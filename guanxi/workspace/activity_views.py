"""Screens of follow-ups (跟进记录) and customer files (附件).

The cards live on the customer 360° page (see ``panels``); these views answer
their forms. The "add follow-up" form posts with htmx and gets the card back.
"""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.workspace import panels, selectors, services
from guanxi.workspace.forms import ActivityForm, AttachmentForm

PAGE_SIZE = 50


def _customer_url(customer_id, anchor):
    return reverse("customers:customer_detail", args=[customer_id]) + anchor


# ---- follow-ups --------------------------------------------------------------------------


@employee_required
@require_GET
def customer_activity_list(request, pk):
    """Every follow-up of one customer the employee may see, newest first."""
    employee = request.employee
    policy.require(employee, "activities.view")
    customer = customer_selectors.access_customer(employee, pk)
    paginator = Paginator(
        selectors.customer_activities(employee=employee, customer=customer), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "workspace/activity_list.html",
        {
            "customer": customer,
            "page": page,
            "can": {
                "edit": policy.can(employee, "activities.edit"),
                "delete": policy.can(employee, "activities.delete"),
            },
        },
    )


@employee_required
@require_POST
def activity_add(request, pk):
    """The card's "add follow-up" form. With htmx the answer is the card itself (with the
    new record, or with the form's errors); without, a redirect or the form page."""
    employee = request.employee
    policy.require(employee, "activities.create")
    customer = customer_selectors.access_customer(employee, pk)
    form = ActivityForm(request.POST, contacts=panels.card_contacts(employee, customer))
    saved = False
    if form.is_valid():
        try:
            services.activity_create(actor=employee, customer=customer, **form.service_kwargs())
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            saved = True
    if request.htmx:
        context = panels.activity_card(customer, employee, form=None if saved else form)
        if context is not None:
            context["saved"] = saved
        response = render(request, panels.ACTIVITY_CARD, {"panel": context})
        patch_vary_headers(response, ("HX-Request",))
        return response
    if saved:
        messages.success(request, _("跟进记录已添加。"))
        return redirect(_customer_url(customer.pk, "#activities"))
    return render(
        request,
        "workspace/activity_form.html",
        {"form": form, "customer": customer, "activity": None},
        status=form_status(request, form),
    )


@employee_required
def activity_edit(request, pk):
    employee = request.employee
    activity = selectors.access_activity(employee, pk, write=True)
    customer = activity.customer
    contacts = panels.card_contacts(employee, customer)
    form = ActivityForm(
        request.POST or None, contacts=contacts, initial=ActivityForm.initial_for(activity)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                actor=employee,
                activity=activity,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("跟进记录已保存。"))
            return redirect(_customer_url(customer.pk, "#activities"))
    return render(
        request,
        "workspace/activity_form.html",
        {"form": form, "customer": customer, "activity": activity},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def activity_delete(request, pk):
    employee = request.employee
    policy.require(employee, "activities.delete")
    activity = selectors.access_activity(employee, pk)
    services.activity_delete(actor=employee, activity=activity)
    messages.success(request, _("跟进记录已删除。"))
    return redirect(_customer_url(activity.customer_id, "#activities"))


# ---- files -------------------------------------------------------------------------------


@employee_required
@require_POST
def attachment_upload(request, pk):
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_upload(
                actor=employee, customer=customer, upload=form.cleaned_data["file"]
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(
                request, _("文件“%(name)s”已上传。") % {"name": attachment.original_name}
            )
            return redirect(_customer_url(customer.pk, "#files"))
    return render(
        request,
        "workspace/attachment_form.html",
        {"form": form, "customer": customer, "max_mb": services.MAX_UPLOAD_BYTES // 1024 // 1024},
        status=form_status(request, form),
    )


def content_disposition(name):
    """``attachment`` with an ASCII fallback name and the real one as RFC 5987 ``filename*``."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(attachment):
    """The stored file as a download (never shown inline, never cached by proxies)."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=attachment.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["Content-Length"] = str(attachment.size)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@employee_required
@require_GET
def attachment_download(request, pk):
    attachment = selectors.access_attachment(request.employee, pk)
    return attachment_response(attachment)


@employee_required
@require_POST
def attachment_delete(request, pk):
    employee = request.employee
    attachment = selectors.access_attachment(employee, pk, write=True)
    services.attachment_delete(actor=employee, attachment=attachment)
    messages.success(request, _("文件“%(name)s”已删除。") % {"name": attachment.original_name})
    return redirect(_customer_url(attachment.customer_id, "#files"))
