"""The service reports screen (KPI tiles, a breakdown with its chart, the monthly trend;
the filter form reloads the sections through htmx) and its Excel download. Thin: they
parse the filters and call ``selectors``."""

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from guanxi.audit import services as audit
from guanxi.core.views import employee_required
from guanxi.orgs import policy
from guanxi.sales.analysis.forms import PRESETS
from guanxi.service.reports import charts, exports, selectors
from guanxi.service.reports.forms import DIMENSION_CHOICES, ReportFilterForm
from guanxi.service.routing.selectors import calendar_cache


def _figures(employee, form):
    filters = form.filters()
    with calendar_cache():  # the work calendar is read once for the three sections
        summary = selectors.summary(employee, filters)
        result = selectors.breakdown(employee, filters, form.dimension)
        trend = (
            result if form.dimension == "month" else selectors.breakdown(employee, filters, "month")
        )
    return filters, summary, result, trend


@employee_required
@require_GET
def overview(request):
    """KPIs, the breakdown and the trend for the filters; an htmx request gets the
    sections only."""
    employee = request.employee
    policy.require(employee, "reports.view")
    form = ReportFilterForm(request.GET)
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        "presets": PRESETS,
        "dimensions": DIMENSION_CHOICES,
        "can_export": policy.can(employee, "reports.export"),
        "sees_tickets": policy.can(employee, "tickets.view"),
    }
    if form.is_valid():
        filters, summary, result, trend = _figures(employee, form)
        context.update(
            {
                "filters": filters,
                "summary": summary,
                "breakdown": result,
                "by": form.dimension,
                "by_label": dict(DIMENSION_CHOICES)[form.dimension],
                "breakdown_chart": charts.breakdown(result),
                "trend_chart": charts.trend(trend),
            }
        )
    htmx = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "service_reports/_report.html" if htmx else "service_reports/overview.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@employee_required
@require_GET
def export(request):
    """The KPIs and the breakdown as an Excel workbook (``reports.export``)."""
    employee = request.employee
    policy.require(employee, "reports.view")
    policy.require(employee, "reports.export")
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "service_reports/overview.html",
            {"form": form, "presets": PRESETS, "dimensions": DIMENSION_CHOICES},
            status=400,
        )
    filters, summary, result, _trend = _figures(employee, form)
    body, rows = exports.report_xlsx(
        summary, result, filters, dict(DIMENSION_CHOICES)[form.dimension]
    )
    audit.record_export(
        actor=employee,
        entity="service_reports",
        row_count=rows,
        file_format="xlsx",
        filters={key: request.GET.get(key) for key in request.GET},
    )
    filename = f"service-report-{filters.start.isoformat()}_{filters.end.isoformat()}.xlsx"
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
