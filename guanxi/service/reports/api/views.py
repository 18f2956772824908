"""Read-only service report endpoints: the KPIs and a breakdown, for the same filters as
the screen (``forms.ReportFilterForm``). ``reports.view`` is required (403 otherwise); a
bad filter is a 400 with field errors. Hours and rates are strings (one decimal) or null
when nothing was counted. ``*_hours`` are wall-clock hours, ``*_work_hours`` the same
times in working hours (the org's work calendar: working days and hours, holidays and
make-up working days)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.orgs import policy
from guanxi.sales.analysis.forms import PRESETS
from guanxi.service.reports import forms, selectors
from guanxi.service.routing.selectors import calendar_cache

FILTER_PARAMETERS = [
    OpenApiParameter(
        "preset",
        str,
        enum=[value for value, _label in PRESETS],
        description="this_month (default) | this_quarter | this_year | last_12_months | custom",
    ),
    OpenApiParameter("start", str, description="YYYY-MM-DD (with end: a custom period)"),
    OpenApiParameter("end", str, description="YYYY-MM-DD"),
    OpenApiParameter("team", int, description="department id (with its sub-departments)"),
    OpenApiParameter("assignee", int, description="employee id"),
    OpenApiParameter("category", str, description="ticket category code, e.g. complaint"),
    OpenApiParameter("product", int, description="product id"),
    OpenApiParameter("channel", str, description="phone | email | web | walk_in"),
    OpenApiParameter("priority", str, description="low | normal | high | urgent"),
]
FIGURES = {
    "volume": serializers.IntegerField(),
    "complaints": serializers.IntegerField(),
    "resolved": serializers.IntegerField(),
    "backlog": serializers.IntegerField(),
    "first_response_hours": serializers.CharField(allow_null=True),
    "within_promise_rate": serializers.CharField(allow_null=True),
    "resolution_hours": serializers.CharField(allow_null=True),
    "first_response_work_hours": serializers.CharField(allow_null=True),
    "resolution_work_hours": serializers.CharField(allow_null=True),
    "fcr_rate": serializers.CharField(allow_null=True),
    "resolution_rate": serializers.CharField(allow_null=True),
    "sla_rate": serializers.CharField(allow_null=True),
    "satisfaction": serializers.CharField(allow_null=True),
    "surveys": serializers.IntegerField(),
}
SUMMARY = inline_serializer(
    "ServiceReportSummary",
    {"start": serializers.DateField(), "end": serializers.DateField(), **FIGURES},
)
BREAKDOWN = inline_serializer(
    "ServiceReportBreakdown",
    {
        "by": serializers.CharField(),
        "rows": inline_serializer(
            "ServiceReportRow",
            {
                "key": serializers.CharField(allow_null=True),
                "label": serializers.CharField(),
                **FIGURES,
            },
            many=True,
        ),
    },
)


def _plain(figures):
    return {
        key: (
            str(value)
            if value is not None and key in FIGURES and not isinstance(value, int)
            else value
        )
        for key, value in figures.items()
    }


class _ReportView(APIView):
    permission_classes = [IsEmployee]

    def prepare(self, request):
        employee = request._request.employee
        policy.require(employee, "reports.view")
        form = forms.parse(request.query_params)
        return employee, form


class SummaryView(_ReportView):
    """Ticket volume, complaints, resolved, backlog, average first response and
    resolution hours (wall-clock and working hours), the 24-hour reply promise kept,
    first-contact resolution."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=SUMMARY)
    def get(self, request):
        employee, form = self.prepare(request)
        with calendar_cache():
            return Response(_plain(selectors.summary(employee, form.filters())))


class BreakdownView(_ReportView):
    """The same figures per ``by``: assignee (default), team, category, product, channel,
    priority or month."""

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("by", str, enum=list(selectors.DIMENSIONS)),
        ],
        responses=BREAKDOWN,
    )
    def get(self, request):
        employee, form = self.prepare(request)
        with calendar_cache():
            result = selectors.breakdown(employee, form.filters(), form.dimension)
        rows = []
        for row in result["rows"]:
            key = row["key"]
            if hasattr(key, "isoformat"):
                key = row["label"]
            rows.append({**_plain(row), "key": None if key is None else str(key)})
        return Response({"by": result["by"], "rows": rows})
