"""The sales analysis screen (KPIs, funnel, breakdown, trend, top customers; the filter
form reloads the sections through htmx) and its Excel downloads. Thin: they parse the
filters and call ``selectors``."""

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from guanxi.audit import services as audit
from guanxi.catalog.models import ProductLine
from guanxi.core import spreadsheet
from guanxi.core.views import employee_required
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.sales.analysis import charts, exports, selectors
from guanxi.sales.analysis.forms import DIMENSION_CHOICES, PRESETS, AnalysisFilterForm
from guanxi.sales.opportunities.models import Pipeline

TABLES = ("summary", "funnel", "breakdown", "top_customers")
# a range longer than this shows its trend by quarter rather than by month
TREND_MONTHS_MAX = 24


def _options():
    """The choices of the filter selects (four queries)."""
    return {
        "departments": [
            (pk, "\u3000" * depth + name)
            for pk, name, depth in Department.objects.order_by("path").values_list(
                "pk", "name", "depth"
            )
        ],
        "employees": list(
            Employee.objects.filter(status=Employee.Status.ACTIVE)
            .order_by("name", "id")
            .values_list("pk", "name")
        ),
        "pipelines": list(Pipeline.objects.order_by("sort_order", "id").values_list("pk", "name")),
        "product_lines": list(
            ProductLine.objects.order_by("sort_order", "id").values_list("pk", "name")
        ),
    }


def trend_dimension(filters):
    return "month" if filters.days <= TREND_MONTHS_MAX * 31 else "quarter"


@employee_required
@require_GET
def overview(request):
    """KPI tiles, the funnel, a breakdown with its chart, the trend and the top customers
    for the filters; an htmx request gets the sections only."""
    employee = request.employee
    policy.require(employee, "reports.view")
    form = AnalysisFilterForm(request.GET)
    context = {
        "form": form,
        "params": request.GET,
        "query": request.GET.urlencode(),
        "presets": PRESETS,
        "dimensions": DIMENSION_CHOICES,
        "can_export": policy.can(employee, "reports.export"),
        **_options(),
    }
    if form.is_valid():
        filters = form.filters()
        ctx = selectors.context_for(employee)
        summary = selectors.summary(ctx, filters)
        funnel = selectors.funnel(ctx, filters)
        breakdown = selectors.breakdown(ctx, filters, form.dimension)
        trend_by = trend_dimension(filters)
        trend = (
            breakdown if trend_by == form.dimension else selectors.breakdown(ctx, filters, trend_by)
        )
        top = selectors.top_customers(
            ctx, filters, order=form.ranking, limit=form.top_count, min_base=form.base
        )
        context.update(
            {
                "filters": filters,
                "summary": summary,
                "funnel": funnel,
                "breakdown": breakdown,
                "trend": trend,
                "top": top,
                "by": form.dimension,
                "by_label": dict(DIMENSION_CHOICES)[form.dimension],
                "ranking": form.ranking,
                "currency": ctx.currency,
                "places": ctx.places,
                "funnel_chart": charts.funnel(funnel),
                "breakdown_chart": charts.breakdown(breakdown),
                "trend_chart": charts.trend(trend),
            }
        )
    # a history restore (back button after the cache expired) needs the whole page
    htmx = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "sales_analysis/_analysis.html" if htmx else "sales_analysis/overview.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@employee_required
@require_GET
def export(request, table):
    """One table of the screen as an Excel workbook (``reports.export``)."""
    if table not in TABLES:
        raise Http404
    employee = request.employee
    policy.require(employee, "reports.view")
    policy.require(employee, "reports.export")
    form = AnalysisFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "sales_analysis/export_error.html",
            {"form": form, "query": request.GET.urlencode()},
            status=400,
        )
    filters = form.filters()
    ctx = selectors.context_for(employee)
    if table == "summary":
        body, rows = exports.summary_xlsx(selectors.summary(ctx, filters), filters, ctx)
    elif table == "funnel":
        body, rows = exports.funnel_xlsx(selectors.funnel(ctx, filters), filters, ctx)
    elif table == "breakdown":
        result = selectors.breakdown(ctx, filters, form.dimension)
        body, rows = exports.breakdown_xlsx(result, filters, ctx)
    else:
        result = selectors.top_customers(
            ctx, filters, order=form.ranking, limit=form.top_count, min_base=form.base
        )
        body, rows = exports.top_customers_xlsx(result, filters, ctx)
    audit.record_export(
        actor=employee,
        entity=f"sales_analysis.{table}",
        row_count=rows,
        file_format="xlsx",
        filters={key: request.GET.get(key) for key in request.GET},
    )
    filename = f"{exports.title(table)}-{filters.start.isoformat()}_{filters.end.isoformat()}.xlsx"
    return spreadsheet.download(body, filename)
