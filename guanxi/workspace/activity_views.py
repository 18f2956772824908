"""Screens of follow-ups (跟进记录) and customer files (附件).

Every record that follow-ups can belong to (see ``targets``) has a timeline:
``activities/for/<key>/<id>/`` answers htmx with the timeline card (a record page
includes it with ``hx-get`` … ``hx-trigger="load"``, or renders ``panels.timeline``
itself, as the customer 360° page does) and a browser with the record's whole history,
page by page. Its "add follow-up" form posts with htmx and gets the card back. "我的跟进"
lists the employee's own follow-ups by their next date.
"""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.api.pagination import COUNT_LIMIT, capped_count
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace import panels, selectors, services, targets
from guanxi.workspace.forms import ActivityForm, AttachmentForm
from guanxi.workspace.models import Activity

PAGE_SIZE = 50
MINE_PAGE_SIZE = 25
EMPLOYEE_CHOICES = 500


def _customer_url(customer_id, anchor):
    return reverse("customers:customer_detail", args=[customer_id]) + anchor


def _access_target(employee, key, pk):
    """``(target, record)`` if ``key`` is a registered type and the employee sees record
    ``pk`` (and may view follow-ups); else 404/403."""
    policy.require(employee, "activities.view")
    target = targets.get(key)
    if target is None:
        raise Http404
    try:
        record = target.visible(employee).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if record is None:
        raise Http404
    return target, record


def _record_url(target, record):
    return target.link(record) + "#activities"


def _employees():
    """Active colleagues who may take part in a follow-up (one query)."""
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name")[:EMPLOYEE_CHOICES]
    )


def _full_form(employee, target, record, data=None, initial=None):
    return ActivityForm(
        data,
        contacts=panels.form_contacts(employee, target, record),
        employees=_employees(),
        pick_contact=target.key != "contact",
        initial=initial,
    )


def _form_page(request, form, target, record, activity=None):
    return render(
        request,
        "workspace/activity_form.html",
        {
            "form": form,
            "target": target,
            "record": record,
            "record_url": target.link(record),
            "activity": activity,
            "action": (
                reverse("workspace:activity_edit", args=[activity.pk])
                if activity
                else reverse("workspace:target_activity_add", args=[target.key, record.pk])
            ),
        },
        status=form_status(request, form),
    )


# ---- timelines -----------------------------------------------------------------------------


def _card(request, target, record, form=None, saved=False):
    context = panels.timeline(target, record, request.employee, form=form)
    if context is not None:
        context["saved"] = saved
    response = render(request, panels.TIMELINE, {"panel": context})
    patch_vary_headers(response, ("HX-Request",))
    return response


def _keyset(rows_qs, after, size):
    """Newest first by (occurred_at, id), ``after`` = ``<iso time>.<id>`` of the last row."""
    moment, pk = selectors.after_cursor(after, "datetime")
    if moment is not None:
        rows_qs = rows_qs.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, id__lt=pk))
    rows = list(rows_qs.order_by("-occurred_at", "-id")[: size + 1])
    last = rows[size - 1] if len(rows) > size else None
    cursor = f"{last.occurred_at.isoformat()}.{last.pk}" if last else None
    return rows[:size], cursor, moment is not None


@employee_required
@require_GET
def target_activities(request, key, pk):
    """A record's follow-ups: the timeline card for htmx, else the whole history (keyset
    pages of 50, newest first) under the card."""
    employee = request.employee
    target, record = _access_target(employee, key, pk)
    if request.htmx:
        return _card(request, target, record)
    history = selectors.record_activities(employee=employee, target=target, record_id=record.pk)
    rows, cursor, later = _keyset(history, request.GET.get("after"), PAGE_SIZE)
    count, exact = capped_count(history)
    return render(
        request,
        "workspace/record_activities.html",
        {
            "target": target,
            "record": record,
            "record_url": target.link(record),
            "rows": rows,
            "count": count,
            "count_exact": exact,
            "next_url": "?" + urlencode({"after": cursor}) if cursor else None,
            "is_later_page": later,
            "today": timezone.localdate(),
            "can": {
                "create": policy.can(employee, "activities.create"),
                "edit": policy.can(employee, "activities.edit"),
                "delete": policy.can(employee, "activities.delete"),
            },
        },
    )


@employee_required
def target_activity_add(request, key, pk):
    """Add a follow-up to a record. GET: the full form (with participants). POST from the
    timeline with htmx: the card back (with the new record, or the form's errors);
    without htmx: back to the record, or the form page with its errors."""
    employee = request.employee
    policy.require(employee, "activities.create")
    target, record = _access_target(employee, key, pk)
    quick = request.method == "POST" and request.htmx
    if quick:
        form = panels.quick_form(employee, target, record, request.POST)
    else:
        form = _full_form(employee, target, record, request.POST or None)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                actor=employee, target=(target.key, record.pk), **form.service_kwargs()
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            saved = True
            _warn_mentions(request, activity)
    if quick:
        return _card(request, target, record, form=None if saved else form, saved=saved)
    if saved:
        messages.success(request, _("跟进记录已添加。"))
        return redirect(_record_url(target, record))
    return _form_page(request, form, target, record)


def _warn_mentions(request, activity):
    """What the @mentions of a saved follow-up could not do (a colleague who may not see
    the record was not told, a name two colleagues share was not guessed)."""
    for warning in getattr(activity, "mention_warnings", ()):
        messages.warning(request, warning)


@employee_required
@require_POST
def activity_add(request, pk):
    """The customer 360° card's "add follow-up" form (see ``target_activity_add``)."""
    return target_activity_add(request, "customer", pk)


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
            "today": timezone.localdate(),
            "can": {
                "edit": policy.can(employee, "activities.edit"),
                "delete": policy.can(employee, "activities.delete"),
            },
        },
    )


def _target_of(employee, activity):
    target = targets.get(activity.target_type)
    record = None
    if target is not None:
        record = target.visible(employee).filter(pk=activity.target_id).first()
    if record is None:
        raise Http404
    return target, record


@employee_required
def activity_edit(request, pk):
    employee = request.employee
    activity = selectors.access_activity(employee, pk, write=True)
    target, record = _target_of(employee, activity)
    form = _full_form(
        employee, target, record, request.POST or None, initial=ActivityForm.initial_for(activity)
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_update(
                actor=employee,
                activity=activity,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            _warn_mentions(request, activity)
            messages.success(request, _("跟进记录已保存。"))
            return redirect(_record_url(target, record))
    return _form_page(request, form, target, record, activity=activity)


@employee_required
@require_POST
def activity_delete(request, pk):
    employee = request.employee
    policy.require(employee, "activities.delete")
    activity = selectors.access_activity(employee, pk)
    target, record = _target_of(employee, activity)
    services.activity_delete(actor=employee, activity=activity)
    messages.success(request, _("跟进记录已删除。"))
    return redirect(_record_url(target, record))


# ---- my follow-ups -------------------------------------------------------------------------

MINE_TABS = ("open", "overdue", "today", "upcoming", "all")


def _mine_filters(params):
    """The list's conditions from the query string; what is not understood is dropped."""
    kinds = dict(Activity.Kind.choices)
    cleaned = {}
    tab = params.get("due", "open")
    cleaned["due"] = tab if tab in MINE_TABS else "open"
    if params.get("type") in kinds:
        cleaned["type"] = params["type"]
    if targets.get(params.get("target")):
        cleaned["target"] = params["target"]
    return cleaned


@employee_required
@require_GET
def my_followups(request):
    """我的跟进: my planned follow-ups by next date (overdue in red, due today, upcoming),
    or everything I recorded, newest first; keyset pages."""
    employee = request.employee
    policy.require(employee, "activities.view")
    filters = _mine_filters(request.GET)
    mine = selectors.my_followups(employee=employee)
    if "type" in filters:
        mine = mine.filter(kind=filters["type"])
    if "target" in filters:
        mine = mine.filter(target_type=filters["target"])
    today = timezone.localdate()
    tab = filters["due"]
    base = {key: value for key, value in filters.items() if key != "due"}
    if tab == "all":
        rows, cursor, later = _keyset(mine, request.GET.get("after"), MINE_PAGE_SIZE)
        count, exact = capped_count(mine)
    else:
        items = selectors.due_filter(mine, None if tab == "open" else tab, today)
        day, pk = selectors.after_cursor(request.GET.get("after"), "date")
        page = items
        if day is not None:
            page = items.filter(Q(next_followup_on__gt=day) | Q(next_followup_on=day, id__gt=pk))
        rows = list(page.order_by("next_followup_on", "id")[: MINE_PAGE_SIZE + 1])
        last = rows[MINE_PAGE_SIZE - 1] if len(rows) > MINE_PAGE_SIZE else None
        cursor = f"{last.next_followup_on.isoformat()}.{last.pk}" if last else None
        rows, later = rows[:MINE_PAGE_SIZE], day is not None
        count, exact = capped_count(items)
    overdue, overdue_exact = capped_count(selectors.due_filter(mine, "overdue", today))
    tabs = [
        (code, label, "?" + urlencode({**base, "due": code}))
        for code, label in (
            ("open", _("待跟进")),
            ("overdue", _("已逾期")),
            ("today", _("今天")),
            ("upcoming", _("即将到来")),
            ("all", _("全部记录")),
        )
    ]
    return render(
        request,
        "workspace/my_followups.html",
        {
            "rows": selectors.attach_targets(rows),
            "tab": tab,
            "tabs": tabs,
            "filters": filters,
            "kinds": Activity.Kind.choices,
            "target_types": [(t.key, t.label) for t in targets.all_targets()],
            "count": count,
            "count_exact": exact,
            "count_limit": COUNT_LIMIT,
            "overdue_count": overdue,
            "overdue_exact": overdue_exact,
            "next_url": "?" + urlencode({**filters, "after": cursor}) if cursor else None,
            "first_url": "?" + urlencode(filters),
            "is_later_page": later,
            "today": today,
            "can": {
                "edit": policy.can(employee, "activities.edit"),
                "delete": policy.can(employee, "activities.delete"),
            },
        },
    )


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
