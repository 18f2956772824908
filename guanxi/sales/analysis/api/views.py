"""Read-only sales analysis endpoints: the KPIs, the funnel, a breakdown and the top
customers, each for the same filters as the screen (``forms.AnalysisFilterForm``).
``reports.view`` is required (403 otherwise); a bad filter is a 400 with field errors.
Amounts are strings with the org's decimal places."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.orgs import policy
from guanxi.sales.analysis import forms, selectors

FILTER_PARAMETERS = [
    OpenApiParameter(
        "preset",
        str,
        enum=[value for value, _label in forms.PRESETS],
        description="this_month | this_quarter | this_year (default) | last_12_months | custom",
    ),
    OpenApiParameter("start", str, description="YYYY-MM-DD (with end: a custom period)"),
    OpenApiParameter("end", str, description="YYYY-MM-DD"),
    OpenApiParameter("department", int, description="department id (with its sub-departments)"),
    OpenApiParameter("employee", int, description="employee id (owner)"),
    OpenApiParameter("pipeline", int, description="pipeline id (opportunity figures)"),
    OpenApiParameter("product_line", int, description="product line id"),
    OpenApiParameter("region", str, description="customer region prefix, e.g. 江苏省"),
]
MONEY = serializers.CharField
PERCENT = serializers.CharField


def _text(value):
    return None if value is None else str(value)


def _period(filters, ctx):
    return {"start": filters.start, "end": filters.end, "currency": ctx.currency}


class _AnalysisView(APIView):
    permission_classes = [IsEmployee]

    def prepare(self, request):
        employee = request._request.employee
        policy.require(employee, "reports.view")
        form = forms.parse(request.query_params)
        return form, form.filters(), selectors.context_for(employee)


SUMMARY = inline_serializer(
    "SalesAnalysisSummary",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "currency": serializers.CharField(),
        "order_amount": MONEY(),
        "order_count": serializers.IntegerField(),
        "won_count": serializers.IntegerField(),
        "lost_count": serializers.IntegerField(),
        "won_amount": MONEY(),
        "win_rate": PERCENT(allow_null=True),
        "average_cycle_days": serializers.CharField(allow_null=True),
        "average_deal_size": MONEY(allow_null=True),
        "new_pipeline_count": serializers.IntegerField(),
        "new_pipeline_amount": MONEY(),
    },
)


class SummaryView(_AnalysisView):
    """KPIs: order amount, won and lost counts, win rate, average cycle (days), average
    deal size and the new pipeline created in the period."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=SUMMARY)
    def get(self, request):
        _form, filters, ctx = self.prepare(request)
        result = selectors.summary(ctx, filters)
        kept = ("start", "end", "currency")
        return Response(
            {
                key: value if isinstance(value, int) or key in kept else _text(value)
                for key, value in result.items()
            }
        )


FUNNEL = inline_serializer(
    "SalesAnalysisFunnel",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "currency": serializers.CharField(),
        "pipeline": serializers.IntegerField(allow_null=True),
        "created": serializers.IntegerField(),
        "won": serializers.IntegerField(),
        "lost": serializers.IntegerField(),
        "stages": inline_serializer(
            "SalesAnalysisFunnelStage",
            {
                "stage": serializers.IntegerField(),
                "name": serializers.CharField(),
                "kind": serializers.CharField(),
                "reached": serializers.IntegerField(),
                "share": PERCENT(allow_null=True),
                "conversion": PERCENT(allow_null=True),
                "average_days": serializers.CharField(allow_null=True),
            },
            many=True,
        ),
    },
)


class FunnelView(_AnalysisView):
    """Opportunities created in the period in one pipeline (the chosen one, else the
    default): how many reached each stage, the conversion to the next stage (%) and
    the average days spent in each stage."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=FUNNEL)
    def get(self, request):
        _form, filters, ctx = self.prepare(request)
        result = selectors.funnel(ctx, filters)
        return Response(
            {
                **_period(filters, ctx),
                "pipeline": result["pipeline"].pk if result["pipeline"] else None,
                "created": result["created"],
                "won": result["won"],
                "lost": result["lost"],
                "stages": [
                    {
                        "stage": row["stage_id"],
                        "name": row["name"],
                        "kind": row["kind"],
                        "reached": row["reached"],
                        "share": _text(row["share"]),
                        "conversion": _text(row["conversion"]),
                        "average_days": _text(row["average_days"]),
                    }
                    for row in result["stages"]
                ],
            }
        )


BREAKDOWN = inline_serializer(
    "SalesAnalysisBreakdown",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "currency": serializers.CharField(),
        "by": serializers.CharField(),
        "rows": inline_serializer(
            "SalesAnalysisBreakdownRow",
            {
                "key": serializers.CharField(allow_null=True),
                "label": serializers.CharField(),
                "depth": serializers.IntegerField(),
                "order_amount": MONEY(),
                "order_count": serializers.IntegerField(),
                "quantity": serializers.CharField(allow_null=True),
                "won_count": serializers.IntegerField(),
                "lost_count": serializers.IntegerField(),
                "won_amount": MONEY(),
                "win_rate": PERCENT(allow_null=True),
                "average_deal_size": MONEY(allow_null=True),
                "average_cycle_days": serializers.CharField(allow_null=True),
            },
            many=True,
        ),
    },
)


class BreakdownView(_AnalysisView):
    """Figures per employee, department (with sub-departments), product, product line,
    region (province) or period (month, quarter)."""

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "by", str, enum=list(selectors.DIMENSIONS), description="default employee"
            ),
        ],
        responses=BREAKDOWN,
    )
    def get(self, request):
        form, filters, ctx = self.prepare(request)
        result = selectors.breakdown(ctx, filters, form.dimension)
        rows = [
            {key: (value if isinstance(value, int) else _text(value)) for key, value in row.items()}
            for row in result["rows"]
        ]
        for row, source in zip(rows, result["rows"], strict=True):
            row["key"] = _text(source["key"])
            row["label"] = row["label"] or ""
        return Response({**_period(filters, ctx), "by": result["by"], "rows": rows})


TOP = inline_serializer(
    "SalesAnalysisTopCustomers",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "currency": serializers.CharField(),
        "order": serializers.CharField(),
        "previous_start": serializers.DateField(),
        "previous_end": serializers.DateField(),
        "min_base": MONEY(),
        "rows": inline_serializer(
            "SalesAnalysisTopCustomer",
            {
                "customer": serializers.IntegerField(),
                "name": serializers.CharField(),
                "amount": MONEY(),
                "order_count": serializers.IntegerField(),
                "previous_amount": MONEY(),
                "growth": MONEY(),
                "growth_rate": PERCENT(allow_null=True),
            },
            many=True,
        ),
    },
)


class TopCustomersView(_AnalysisView):
    """The top customers by order amount in the period, or by growth against the period
    of equal length just before (ranked by growth rate among customers whose earlier
    amount is at least ``min_base``)."""

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("order", str, enum=["amount", "growth"], description="default amount"),
            OpenApiParameter("top", int, description=f"1–{selectors.TOP_MAX}, default 10"),
            OpenApiParameter("min_base", str, description="growth: smallest earlier amount"),
        ],
        responses=TOP,
    )
    def get(self, request):
        form, filters, ctx = self.prepare(request)
        result = selectors.top_customers(
            ctx, filters, order=form.ranking, limit=form.top_count, min_base=form.base
        )
        return Response(
            {
                **_period(filters, ctx),
                "order": result["order"],
                "previous_start": result["previous_start"],
                "previous_end": result["previous_end"],
                "min_base": _text(result["min_base"]),
                "rows": [
                    {
                        "customer": row["customer_id"],
                        "name": row["name"],
                        "amount": _text(row["amount"]),
                        "order_count": row["order_count"],
                        "previous_amount": _text(row["previous_amount"]),
                        "growth": _text(row["growth"]),
                        "growth_rate": _text(row["growth_rate"]),
                    }
                    for row in result["rows"]
                ],
            }
        )
