"""The churn scan's box on the lifecycle page: when it last ran, and running it now."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.views import employee_required
from guanxi.customers import lifecycle


@employee_required
def lifecycle_scan(request):
    """The scan box (an htmx partial loaded after the lifecycle page)."""
    employee = request.employee
    scan, threshold = lifecycle.last_scan(employee=employee)
    return render(
        request,
        "customers/_lifecycle_scan.html",
        {"scan": scan, "threshold": threshold, "can_run": lifecycle.can_run_scan(employee)},
    )


@employee_required
@require_POST
def lifecycle_scan_run(request):
    moved = lifecycle.lifecycle_scan_now(actor=request.employee)
    messages.success(request, _("休眠扫描完成：%(n)d 个客户转为休眠。") % {"n": moved})
    return redirect("customers:lifecycle")
