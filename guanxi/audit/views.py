"""Audit pages: the change log, sign-ins and exports (``audit.view``)."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.audit import display, selectors
from guanxi.audit.filters import ChangeRecordFilter, ExportRecordFilter, LoginRecordFilter
from guanxi.audit.jobs import EXPORT_KIND
from guanxi.core.views import employee_required
from guanxi.jobs import services as jobs
from guanxi.orgs import policy


def _list_context(request, filterset):
    """Filter form, one keyset page, a capped count and the paging links."""
    queryset = filterset.qs
    page = selectors.keyset_page(queryset, request.GET.get("cursor"))
    params = filterset.active_params()
    next_url = None
    if page.next_cursor:
        query = QueryDict(mutable=True)
        query.update(params)
        query["cursor"] = page.next_cursor
        next_url = f"?{query.urlencode()}"
    first_query = QueryDict(mutable=True)
    first_query.update(params)
    count = selectors.capped_count(queryset)
    return {
        "filter": filterset,
        "page": page,
        "records": page.items,
        "count": count,
        "count_capped": count > selectors.COUNT_CAP,
        "count_cap": selectors.COUNT_CAP,
        "filter_params": params,
        "first_url": f"?{first_query.urlencode()}",
        "next_url": next_url,
    }


@require_GET
@employee_required
def change_log(request):
    employee = request.employee
    filterset = ChangeRecordFilter(request.GET, queryset=selectors.change_list(employee=employee))
    context = _list_context(request, filterset)
    display.present_changes(context["records"], employee=employee)
    context["can_export"] = policy.can(employee, "audit.export")
    context["tab"] = "log"
    return render(request, "audit/log.html", context)


@require_POST
@employee_required
def change_log_export(request):
    """Start the CSV export of the change log as filtered; show the job's progress."""
    employee = request.employee
    policy.require(employee, "audit.export")
    filterset = ChangeRecordFilter(request.POST, queryset=selectors.change_list(employee=employee))
    params = filterset.active_params()
    back = QueryDict(mutable=True)
    back.update(params)
    if not filterset.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出。"))
        return redirect(f"{reverse('audit:log')}?{back.urlencode()}")
    job = jobs.job_start(actor=employee, kind=EXPORT_KIND, params={"filters": params})
    return redirect("jobs:job_detail", pk=job.pk)


@require_GET
@employee_required
def login_log(request):
    employee = request.employee
    filterset = LoginRecordFilter(request.GET, queryset=selectors.login_list(employee=employee))
    context = _list_context(request, filterset)
    for record in context["records"]:
        record.reason_label = display.login_reason_label(record.reason)
        record.channel_label = display.login_channel_label(record.channel)
    context["tab"] = "logins"
    return render(request, "audit/logins.html", context)


@require_GET
@employee_required
def export_log(request):
    employee = request.employee
    filterset = ExportRecordFilter(request.GET, queryset=selectors.export_list(employee=employee))
    context = _list_context(request, filterset)
    for record in context["records"]:
        record.entity_label = display.entity_label(record.entity)
    context["tab"] = "exports"
    return render(request, "audit/exports.html", context)
