"""Forms of the approval screens. They parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.orgs.models import Employee, Role
from guanxi.workspace.approvals import conditions, registry
from guanxi.workspace.approvals.models import ApprovalStep, Requisition

OP_CHOICES = [
    (">", pgettext_lazy("condition op", "大于")),
    (">=", pgettext_lazy("condition op", "大于等于")),
    ("<", pgettext_lazy("condition op", "小于")),
    ("<=", pgettext_lazy("condition op", "小于等于")),
    ("=", pgettext_lazy("condition op", "等于")),
    ("!=", pgettext_lazy("condition op", "不等于")),
    ("in", pgettext_lazy("condition op", "属于（逗号分隔）")),
]
assert [code for code, _label in OP_CHOICES] == list(conditions.OPS)


class RequisitionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ChoiceField(label=_("类别"), choices=Requisition.Category.choices)
    amount = forms.DecimalField(
        label=_("金额"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    content = forms.CharField(
        label=_("内容"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, requisition):
        return {
            "title": requisition.title,
            "category": requisition.category,
            "amount": requisition.amount,
            "content": requisition.content,
            "version": requisition.version,
        }

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "title": data["title"],
            "category": data["category"],
            "amount": data["amount"],
            "content": data["content"],
        }


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FlowForm(forms.Form):
    document = forms.ChoiceField(label=_("单据类型"), choices=())
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=500, required=False)
    priority = forms.IntegerField(
        label=_("优先级"),
        min_value=0,
        max_value=9999,
        initial=100,
        help_text=_("数字小的先匹配；第一个条件成立的启用流程生效。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, document_fixed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = registry.choices()
        if document_fixed:
            self.fields["document"].disabled = True


class ConditionForm(forms.Form):
    variable = forms.ChoiceField(label=_("条件项"), required=False, choices=())
    op = forms.ChoiceField(label=_("比较"), required=False, choices=OP_CHOICES)
    value = forms.CharField(label=_("值"), required=False, max_length=500)

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        variables = document.variables.items() if document else []
        self.fields["variable"].choices = [("", "—")] + [
            (name, variable.label) for name, variable in variables
        ]

    def clause(self):
        data = self.cleaned_data
        if not data.get("variable"):
            return None
        return {"variable": data["variable"], "op": data.get("op"), "value": data.get("value")}


class StepForm(forms.Form):
    name = forms.CharField(label=_("步骤名称"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("审批人"), required=False, choices=[("", "—"), *ApprovalStep.Kind.choices]
    )
    employees = forms.MultipleChoiceField(label=_("指定员工"), required=False, choices=())
    manager_levels = forms.IntegerField(
        label=_("上级层级"), required=False, min_value=1, max_value=10, initial=1
    )
    role = forms.ChoiceField(label=_("角色"), required=False, choices=())
    mode = forms.ChoiceField(
        label=_("审批方式"), choices=ApprovalStep.Mode.choices, initial=ApprovalStep.Mode.ANY
    )

    def __init__(self, *args, employees=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employees"].choices = list(employees)
        self.fields["role"].choices = [("", "—"), *roles]

    def step(self):
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return {
            "name": data.get("name") or "",
            "kind": data["kind"],
            "mode": data.get("mode") or ApprovalStep.Mode.ANY,
            "employees": [int(pk) for pk in data.get("employees") or []],
            "manager_levels": data.get("manager_levels") or 1,
            "role": int(data["role"]) if data.get("role") else None,
        }


ConditionFormSet = forms.formset_factory(ConditionForm, extra=0)
StepFormSet = forms.formset_factory(StepForm, extra=0)


def employee_choices():
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE)
        .order_by("name", "id")
        .values_list("pk", "name")[:1000]
    )


def role_choices():
    return list(Role.objects.order_by("name").values_list("pk", "name"))


def flow_formsets(data=None, *, document, flow_conditions=(), steps=()):
    """The condition and step rows of the flow screen: the flow's own, plus empty ones
    to add more (blank rows are ignored)."""
    condition_initial = [
        {
            "variable": clause.get("variable"),
            "op": clause.get("op"),
            "value": ", ".join(clause["value"])
            if isinstance(clause.get("value"), list)
            else clause.get("value"),
        }
        for clause in flow_conditions
    ]
    condition_initial += [{} for _n in range(max(2, 4 - len(condition_initial)))]
    step_initial = [
        {
            "name": step.get("name", ""),
            "kind": step.get("kind"),
            "mode": step.get("mode"),
            "employees": [str(pk) for pk in step.get("employees", [])],
            "manager_levels": step.get("manager_levels", 1),
            "role": str(step["role"]) if step.get("role") else "",
        }
        for step in steps
    ]
    step_initial += [{"mode": ApprovalStep.Mode.ANY} for _n in range(max(2, 4 - len(step_initial)))]
    employees = employee_choices()
    roles = role_choices()
    if data is not None:
        condition_set = ConditionFormSet(data, prefix="cond", form_kwargs={"document": document})
        step_set = StepFormSet(
            data, prefix="step", form_kwargs={"employees": employees, "roles": roles}
        )
    else:
        condition_set = ConditionFormSet(
            prefix="cond", initial=condition_initial, form_kwargs={"document": document}
        )
        step_set = StepFormSet(
            prefix="step",
            initial=step_initial,
            form_kwargs={"employees": employees, "roles": roles},
        )
    return condition_set, step_set
