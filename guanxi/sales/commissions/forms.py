"""HTML forms of commissions. They only shape the input: the services validate it (and
their errors are shown on the form)."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import ProductLine
from guanxi.orgs.models import Employee, Role
from guanxi.sales.commissions.models import Basis, CommissionRule


class RuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    basis = forms.ChoiceField(label=_("计提基数"), choices=Basis.choices)
    applies_to = forms.ChoiceField(label=_("适用对象"), choices=CommissionRule.AppliesTo.choices)
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.none(), required=False)
    employees = forms.ModelMultipleChoiceField(
        label=_("员工"),
        queryset=Employee.objects.none(),
        required=False,
        help_text=_("按住 Ctrl（Mac 上为 ⌘）可多选。"),
    )
    product_line = forms.ModelChoiceField(
        label=_("产品线"),
        queryset=ProductLine.objects.none(),
        required=False,
        empty_label=_("全部产品"),
    )
    valid_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("留空表示长期有效。"),
    )
    notes = forms.CharField(label=_("说明"), max_length=500, required=False)
    tiers_json = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.order_by("name")
        self.fields["employees"].queryset = Employee.objects.filter(
            status=Employee.Status.ACTIVE
        ).order_by("name", "pk")
        self.fields["product_line"].queryset = ProductLine.objects.order_by("sort_order", "pk")

    def tiers(self):
        """The tier rows the editor posted (``[{"from_amount", "rate"}]``)."""
        try:
            rows = json.loads(self.cleaned_data.get("tiers_json") or "[]")
        except ValueError:
            return []
        return rows if isinstance(rows, list) else []

    def service_fields(self):
        data = self.cleaned_data
        return {
            "name": data["name"],
            "active": data["active"],
            "basis": data["basis"],
            "applies_to": data["applies_to"],
            "role": data.get("role"),
            "employees": list(data.get("employees") or []),
            "product_line": data.get("product_line"),
            "valid_from": data["valid_from"],
            "valid_to": data.get("valid_to"),
            "notes": data.get("notes", ""),
            "tiers": self.tiers(),
        }


class GenerateForm(forms.Form):
    period = forms.CharField(
        label=_("期间"),
        max_length=10,
        help_text=_("月份如 2026-05，季度如 2026-Q2。"),
    )
    employee = forms.ModelChoiceField(
        label=_("员工"),
        queryset=Employee.objects.none(),
        required=False,
        empty_label=_("数据范围内的全部员工（后台生成）"),
    )

    def __init__(self, *args, employees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if employees is not None:
            self.fields["employee"].queryset = employees.order_by("name", "pk")


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("调整金额"),
        max_digits=20,
        decimal_places=6,
        help_text=_("负数表示扣减。"),
    )
    reason = forms.CharField(label=_("调整原因"), max_length=200)
