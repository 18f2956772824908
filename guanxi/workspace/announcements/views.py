"""Screens of announcements: my list, the detail (which marks it read), compose and edit,
publish / withdraw / delete, the org's list for writers, and the read receipts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.orgs import policy
from guanxi.workspace.announcements import selectors, services, text
from guanxi.workspace.announcements.forms import AnnouncementForm

PAGE_SIZE = 20


def _version(request):
    """The version the page was loaded with (None when absent or not a number)."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@employee_required
@require_GET
def announcement_list(request):
    """The announcements addressed to me: pinned first, then unread, then newest."""
    employee = request.employee
    unread = request.GET.get("unread") == "1"
    page = _page(request, selectors.feed_queryset(employee=employee, unread=unread))
    return render(
        request,
        "announcements/announcement_list.html",
        {
            "page": page,
            "unread": unread,
            "can_manage": selectors.may_view_all(employee) or selectors.may_write(employee),
            "can_create": policy.can(employee, "announcements.create"),
        },
    )


@employee_required
@require_GET
def announcement_manage(request):
    """Every announcement of the org in any state (``announcements.view``), else mine."""
    employee = request.employee
    if not (selectors.may_view_all(employee) or selectors.may_write(employee)):
        raise PermissionDenied
    status = request.GET.get("status", "")
    queryset = selectors.manage_queryset(employee=employee)
    if status in services.Status.values:
        queryset = queryset.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "announcements/announcement_manage.html",
        {
            "page": _page(request, queryset),
            "status": status,
            "extra": f"&status={status}" if status else "",
            "statuses": services.Status.choices,
            "can_create": policy.can(employee, "announcements.create"),
            "can_receipts": selectors.may_view_all(employee),
        },
    )


@employee_required
@require_GET
def announcement_detail(request, pk):
    """The announcement; opening it stores my read receipt."""
    employee = request.employee
    announcement = selectors.access_announcement(employee, pk)
    if not announcement.is_read:
        services.announcement_mark_read(actor=employee, announcement=announcement)
    return render(
        request,
        "announcements/announcement_detail.html",
        {
            "announcement": announcement,
            "body_html": text.render(announcement.body),
            "departments": list(announcement.departments.all()),
            "can_edit": services.may_edit(employee, announcement),
            "can_delete": services.may_delete(employee, announcement),
            "can_receipts": selectors.may_view_all(employee),
        },
    )


def _save(request, announcement):
    employee = request.employee
    initial = AnnouncementForm.initial_for(announcement) if announcement else None
    form = AnnouncementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        publish = "publish" in request.POST
        try:
            if announcement is None:
                announcement = services.announcement_create(
                    actor=employee, publish=publish, **form.service_kwargs()
                )
            else:
                announcement = services.announcement_update(
                    actor=employee,
                    announcement=announcement,
                    version=form.cleaned_data.get("version"),
                    **form.service_kwargs(),
                )
                if publish and not announcement.is_published:
                    announcement = services.announcement_publish(
                        actor=employee, announcement=announcement
                    )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            if announcement.is_published:
                messages.success(request, _("公告已发布。"))
            else:
                messages.success(request, _("公告已保存为草稿。"))
            return redirect("announcements:announcement_detail", announcement.pk)
    return render(
        request,
        "announcements/announcement_form.html",
        {"form": form, "announcement": announcement},
        status=form_status(request, form),
    )


@employee_required
def announcement_create(request):
    policy.require(request.employee, "announcements.create")
    return _save(request, None)


@employee_required
def announcement_edit(request, pk):
    announcement = selectors.access_announcement(request.employee, pk)
    if not services.may_edit(request.employee, announcement):
        policy.require(request.employee, "announcements.edit")
    return _save(request, announcement)


@employee_required
@require_POST
def announcement_action(request, pk, verb):
    """Publish, withdraw or delete (POST buttons of the detail page)."""
    employee = request.employee
    announcement = selectors.access_announcement(employee, pk)
    actions = {
        "publish": (services.announcement_publish, _("公告已发布。")),
        "withdraw": (services.announcement_withdraw, _("公告已撤回。")),
    }
    try:
        if verb == "delete":
            services.announcement_delete(actor=employee, announcement=announcement)
            messages.success(request, _("公告“%(title)s”已删除。") % {"title": announcement.title})
            return redirect("announcements:announcement_manage")
        if verb not in actions:
            raise PermissionDenied
        action, done = actions[verb]
        action(actor=employee, announcement=announcement, version=_version(request))
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, done)
    return redirect("announcements:announcement_detail", announcement.pk)


@employee_required
@require_POST
def announcement_read_all(request):
    count = services.announcement_read_all(actor=request.employee)
    messages.success(request, _("已将 %(n)s 条公告标为已读。") % {"n": count})
    return redirect("announcements:announcement_list")


@employee_required
@require_GET
def announcement_receipts(request, pk):
    """Who has read it (with the time) and who in its audience has not."""
    employee = request.employee
    policy.require(employee, "announcements.view")
    announcement = selectors.access_announcement(employee, pk)
    return render(
        request,
        "announcements/announcement_receipts.html",
        {"announcement": announcement, **selectors.receipts(announcement)},
    )
