"""``/api/v1/sales-targets`` (销售目标) and ``/api/v1/forecast`` (销售预测).

Targets: module ``sales_targets`` (data scope by the target's employee / department);
each row carries its live ``actual`` and ``attainment``. ``?period=2026-12`` keeps the
targets of that period, ``?measure= ?employee= ?department=`` filter further. Only
``value`` and ``note`` can be changed; DELETE removes the target.

Forecast: GET, needs "opportunities.view"; figures from the opportunities (and the orders
of their owners) the caller may see.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.sales.planning import periods, selectors, services
from guanxi.sales.planning.api.serializers import (
    ForecastSerializer,
    SalesTargetSerializer,
    forecast_data,
)
from guanxi.sales.planning.models import SalesTarget


def _int(value):
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


class SalesTargetViewSet(OrgViewSet):
    """Sales targets in the caller's data scope, each with its live actual and attainment.
    ``?period=2026-12|2026-Q4|2026 ?measure= ?employee= ?department=`` filter the list."""

    module = "sales_targets"
    serializer_class = SalesTargetSerializer
    ordering_fields = ["id", "period_start", "value"]

    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, description="2026-12 / 2026-Q4 / 2026"),
            OpenApiParameter("measure", OpenApiTypes.STR),
            OpenApiParameter("employee", OpenApiTypes.INT),
            OpenApiParameter("department", OpenApiTypes.INT),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def scoped_queryset(self):
        qs = selectors.target_queryset(employee=self.employee)
        params = self.request.query_params
        if self.action == "list":
            raw = params.get("period", "").strip()
            if raw:
                try:
                    period = periods.parse(raw)
                except ValidationError as exc:
                    raise ApiValidationError(exc.message_dict) from None
                qs = qs.filter(period_kind=period.kind, period_start=period.start)
            if params.get("measure") in SalesTarget.Measure.values:
                qs = qs.filter(measure=params["measure"])
            employee_id = _int(params.get("employee"))
            if employee_id:
                qs = qs.filter(employee_id=employee_id)
            department_id = _int(params.get("department"))
            if department_id:
                qs = qs.filter(department_id=department_id)
        return qs.order_by("period_start", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        self._actuals = selectors.target_actuals(rows)
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["actuals"] = getattr(self, "_actuals", None)
        return context

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        target = services.target_create(
            actor=self.employee,
            employee=data.get("employee"),
            department=data.get("department"),
            period=data.get("period"),
            measure=data.get("measure"),
            product_line=data.get("product_line"),
            value=data.get("value"),
            note=data.get("note", ""),
        )
        serializer.instance = self.get_queryset().get(pk=target.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        current = serializer.instance
        fixed = {
            "employee": current.employee_id,
            "department": current.department_id,
            "product_line": current.product_line_id,
            "period": current.period.label,
            "measure": current.measure,
        }
        changed = {}
        for name, value in data.items():
            if name in fixed:
                if value != fixed[name]:
                    changed[name] = value
                continue
            changed[name] = value
        target = services.target_update(
            actor=self.employee, target=current, version=version, **changed
        )
        serializer.instance = self.get_queryset().get(pk=target.pk)

    def perform_destroy(self, instance):
        services.target_delete(actor=self.employee, target=instance)


class ForecastView(APIView):
    """The forecast by month: open pipeline (sum, weighted = amount × probability / 100,
    count) by expected close month from this month, overdue and undated opportunities
    apart, the projection from the last 12 months' order amounts, this month's actual so
    far, and the past 6 months' snapshots beside their actuals."""

    permission_classes = [IsEmployee]

    @extend_schema(
        parameters=[
            OpenApiParameter("months", OpenApiTypes.INT, description="1–12, default 6"),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("owner", OpenApiTypes.INT),
            OpenApiParameter("pipeline", OpenApiTypes.INT),
        ],
        responses=ForecastSerializer,
    )
    def get(self, request):
        employee = request._request.employee
        policy.require(employee, "opportunities.view")
        params = request.query_params
        months = _int(params.get("months")) or 6
        if not 1 <= months <= 12:
            raise ApiValidationError({"months": ["1–12"]})
        department = None
        dept_id = _int(params.get("department"))
        if dept_id:
            department = Department.objects.filter(pk=dept_id).first()
            if department is None:
                raise ApiValidationError({"department": [_("请选择本组织的部门。")]})
        owner = None
        owner_id = _int(params.get("owner"))
        if owner_id:
            owner = Employee.objects.filter(pk=owner_id).first()
            if owner is None:
                raise ApiValidationError({"owner": [_("请选择本组织的员工。")]})
        result = selectors.forecast(
            employee=employee,
            months=months,
            department=department,
            owner=owner,
            pipeline_id=_int(params.get("pipeline")),
            today=timezone.localdate(),
        )
        return Response(ForecastSerializer(forecast_data(result)).data)
