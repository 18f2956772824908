"""The filters of the sales analysis, shared by the screens and the API: a date range
(explicit, or a preset), department, employee, pipeline, product line, region, and the
breakdown / top-customer options. ``filters()`` turns valid input into ``Filters``."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import ProductLine
from guanxi.orgs.models import Department, Employee
from guanxi.sales.analysis import selectors
from guanxi.sales.analysis.selectors import Filters
from guanxi.sales.opportunities.models import Pipeline

MAX_RANGE_DAYS = 3660  # ten years: periods and previous-period comparisons stay bounded

PRESETS = (
    ("this_month", _("本月")),
    ("this_quarter", _("本季度")),
    ("this_year", _("本年")),
    ("last_12_months", _("近 12 个月")),
    ("custom", _("自定义")),
)
DIMENSION_CHOICES = (
    ("employee", _("员工")),
    ("department", _("部门")),
    ("product", _("产品")),
    ("product_line", _("产品线")),
    ("region", _("地区（省）")),
    ("month", _("月份")),
    ("quarter", _("季度")),
)
TOP_ORDER_CHOICES = (("amount", _("按金额")), ("growth", _("按增长")))


def preset_range(preset, today=None):
    """``(start, end)`` of a preset: this month/quarter/year to today's period end, or the
    last twelve months up to today."""
    today = today or timezone.localdate()
    if preset == "this_month":
        start = today.replace(day=1)
        return start, _month_end(start)
    if preset == "this_quarter":
        start = today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1)
        last = start.replace(month=start.month + 2)
        return start, _month_end(last)
    if preset == "last_12_months":
        first = today.replace(day=1)
        start = first.replace(year=first.year - 1, month=first.month)
        start = (start + datetime.timedelta(days=32)).replace(day=1)
        return start, _month_end(today)
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


def _month_end(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )


class AnalysisFilterForm(forms.Form):
    preset = forms.ChoiceField(label=_("期间"), choices=PRESETS, required=False)
    start = forms.DateField(label=_("开始日期"), required=False)
    end = forms.DateField(label=_("结束日期"), required=False)
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False
    )
    employee = forms.ModelChoiceField(
        label=_("员工"), queryset=Employee.objects.none(), required=False
    )
    pipeline = forms.ModelChoiceField(
        label=_("销售流程"), queryset=Pipeline.objects.none(), required=False
    )
    product_line = forms.ModelChoiceField(
        label=_("产品线"), queryset=ProductLine.objects.none(), required=False
    )
    region = forms.CharField(label=_("地区"), max_length=100, required=False, strip=True)
    by = forms.ChoiceField(label=_("分析维度"), choices=DIMENSION_CHOICES, required=False)
    order = forms.ChoiceField(label=_("客户排行"), choices=TOP_ORDER_CHOICES, required=False)
    top = forms.IntegerField(
        label=_("排行数量"), min_value=1, max_value=selectors.TOP_MAX, required=False
    )
    min_base = forms.DecimalField(
        label=_("增长排行的最低基数"),
        min_value=Decimal("0.01"),
        max_digits=18,
        decimal_places=2,
        required=False,
    )

    def __init__(self, data=None, *, today=None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        # org-scoped managers: only the reading employee's org is offered or accepted
        self.fields["department"].queryset = Department.objects.order_by("path")
        self.fields["employee"].queryset = Employee.objects.order_by("name", "id")
        self.fields["pipeline"].queryset = Pipeline.objects.order_by("sort_order", "id")
        self.fields["product_line"].queryset = ProductLine.objects.order_by("sort_order", "id")
        self.fields["department"].error_messages["invalid_choice"] = _("部门不存在。")
        self.fields["employee"].error_messages["invalid_choice"] = _("员工不存在。")
        self.fields["pipeline"].error_messages["invalid_choice"] = _("销售流程不存在。")
        self.fields["product_line"].error_messages["invalid_choice"] = _("产品线不存在。")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        preset = data.get("preset") or ""
        if preset and preset != "custom":
            # a preset wins over dates left in the form from an earlier choice
            data["start"], data["end"] = preset_range(preset, self.today)
        elif start or end or preset == "custom":
            if not start:
                self.add_error("start", _("请填写开始日期。"))
            if not end:
                self.add_error("end", _("请填写结束日期。"))
            if start and end and start > end:
                self.add_error("end", _("结束日期不能早于开始日期。"))
            if start and end and (end - start).days >= MAX_RANGE_DAYS:
                self.add_error("end", _("统计期间不能超过十年。"))
            data["preset"] = "custom"
        else:
            data["preset"] = "this_year"
            data["start"], data["end"] = preset_range("this_year", self.today)
        return data

    def filters(self):
        """The valid input as ``Filters`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            department=data.get("department"),
            employee=data.get("employee"),
            pipeline=data.get("pipeline"),
            product_line=data.get("product_line"),
            region=data.get("region") or "",
        )

    @property
    def dimension(self):
        return self.cleaned_data.get("by") or "employee"

    @property
    def ranking(self):
        return self.cleaned_data.get("order") or "amount"

    @property
    def top_count(self):
        return self.cleaned_data.get("top") or selectors.TOP_DEFAULT

    @property
    def base(self):
        return self.cleaned_data.get("min_base") or selectors.MIN_BASE_DEFAULT


def parse(data, *, today=None):
    """A valid form for ``data`` (a QueryDict), or a ``ValidationError`` with field errors."""
    form = AnalysisFilterForm(data, today=today)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form
