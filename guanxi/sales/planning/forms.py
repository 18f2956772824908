"""Forms of the target screens: input shape only; the services check the rules (subject
in scope, period well formed, value positive, one target per subject and period)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import ProductLine
from guanxi.orgs.models import Department, Employee
from guanxi.sales.planning.models import SalesTarget


class TargetForm(forms.Form):
    subject = forms.ChoiceField(
        label=_("目标对象"),
        choices=(("employee", _("员工")), ("department", _("部门"))),
        initial="employee",
    )
    employee = forms.ModelChoiceField(
        label=_("员工"), queryset=Employee.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False
    )
    period = forms.CharField(
        label=_("周期"),
        max_length=10,
        help_text=_("月度如 2026-12，季度如 2026-Q4，年度如 2026。"),
    )
    measure = forms.ChoiceField(label=_("指标"), choices=SalesTarget.Measure.choices)
    product_line = forms.ModelChoiceField(
        label=_("产品线"),
        queryset=ProductLine.objects.none(),
        required=False,
        help_text=_("可选，仅用于成交额和销量。"),
    )
    value = forms.CharField(label=_("目标值"), max_length=30)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, employees=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = (
            employees if employees is not None else Employee.objects.none()
        )
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.none()
        )
        self.fields["product_line"].queryset = ProductLine.objects.order_by("sort_order", "pk")

    def clean(self):
        data = super().clean()
        if data.get("subject") == "employee" and not data.get("employee"):
            self.add_error("employee", _("请选择员工。"))
        if data.get("subject") == "department" and not data.get("department"):
            self.add_error("department", _("请选择部门。"))
        return data


class TargetEditForm(forms.Form):
    value = forms.CharField(label=_("目标值"), max_length=30)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
