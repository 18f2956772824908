"""Serializers of ``/api/v1/sales-targets`` and ``/api/v1/forecast``.

A target's ``actual`` and ``attainment`` are computed on each read (the view puts them in
the context as ``actuals``); input is checked and rounded by the services."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.planning import selectors
from guanxi.sales.planning.models import SalesTarget


def _plain(value):
    """A decimal without trailing zeros or an exponent: ``Decimal("750.000000")`` → "750"."""
    return format(Decimal(value).normalize(), "f")


class SalesTargetSerializer(serializers.ModelSerializer):
    employee = RecordId(
        required=False, allow_null=True, write_only=True, help_text=_("员工 id（与部门二选一）。")
    )
    employee_name = serializers.CharField(source="employee.name", read_only=True, default=None)
    department = RecordId(
        required=False, allow_null=True, write_only=True, help_text=_("部门 id（与员工二选一）。")
    )
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    period = serializers.CharField(
        max_length=10, help_text=_("周期：月度 2026-12、季度 2026-Q4 或年度 2026。")
    )
    product_line = RecordId(
        required=False,
        allow_null=True,
        write_only=True,
        help_text=_("产品线 id（可选，仅成交额和销量）。"),
    )
    value = serializers.DecimalField(
        max_digits=30, decimal_places=10, coerce_to_string=True, help_text=_("目标值，大于零。")
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    actual = serializers.SerializerMethodField(help_text=_("实际完成值（实时计算）。"))
    attainment = serializers.SerializerMethodField(help_text=_("完成率（%），一位小数。"))
    version = serializers.IntegerField(
        required=False, help_text=_("修改时：您读到的版本号（已被他人修改则 409）。")
    )

    class Meta:
        model = SalesTarget
        fields = [
            "id", "employee", "employee_name", "department", "department_name", "period",
            "period_kind", "period_start", "period_end", "measure", "product_line", "value",
            "note", "actual", "attainment", "owner", "owner_department", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "period_kind", "period_start", "period_end", "owner", "owner_department",
            "created_at", "updated_at",
        ]  # fmt: skip

    def validate_value(self, value):
        # more decimals than the org keeps are rounded by the service, not refused
        return value

    def _actual(self, instance):
        actuals = self.context.get("actuals")
        if actuals is None or instance.pk not in actuals:
            actuals = selectors.target_actuals([instance])
            self.context["actuals"] = {**(self.context.get("actuals") or {}), **actuals}
        return actuals[instance.pk]

    def get_actual(self, instance) -> str:
        return _plain(self._actual(instance))

    def get_attainment(self, instance) -> str | None:
        value = selectors.attainment(instance.value, self._actual(instance))
        return None if value is None else str(value)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["period"] = instance.period.label
        data["employee"] = instance.employee_id
        data["department"] = instance.department_id
        data["product_line"] = instance.product_line_id
        data["value"] = _plain(instance.value)
        return data


class ForecastMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    pipeline = serializers.DecimalField(max_digits=30, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=30, decimal_places=2)
    projection = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    actual = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)


class ForecastBucketSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    pipeline = serializers.DecimalField(max_digits=30, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=30, decimal_places=2)


class ForecastPastSerializer(serializers.Serializer):
    month = serializers.CharField()
    actual = serializers.DecimalField(max_digits=30, decimal_places=2)
    snapshot_weighted = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    snapshot_projection = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    weighted_error = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    projection_error = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class ForecastSerializer(serializers.Serializer):
    months = ForecastMonthSerializer(many=True)
    overdue = ForecastBucketSerializer()
    undated = ForecastBucketSerializer()
    past = ForecastPastSerializer(many=True)
    subject = serializers.CharField()


def forecast_data(result):
    """The forecast as the API's plain dict."""
    return {
        "months": [
            {
                "month": bucket.label,
                "count": bucket.count,
                "pipeline": bucket.pipeline,
                "weighted": bucket.weighted,
                "projection": bucket.projection,
                "actual": bucket.actual,
            }
            for bucket in result.months
        ],
        "overdue": {
            "count": result.overdue.count,
            "pipeline": result.overdue.pipeline,
            "weighted": result.overdue.weighted,
        },
        "undated": {
            "count": result.no_date.count,
            "pipeline": result.no_date.pipeline,
            "weighted": result.no_date.weighted,
        },
        "past": [
            {
                "month": row.label,
                "actual": row.actual,
                "snapshot_weighted": row.weighted,
                "snapshot_projection": row.projection,
                "weighted_error": row.weighted_error,
                "projection_error": row.projection_error,
            }
            for row in result.past
        ],
        "subject": result.subject.key,
    }
