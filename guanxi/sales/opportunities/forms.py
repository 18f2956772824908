"""HTML forms of opportunities and pipelines. They parse input; ``services`` validate and
write (the same rules as the API)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.forms import BLANK, dictionary_choices
from guanxi.orgs.models import Employee
from guanxi.sales.opportunities.models import Stage


def active_employees():
    return list(Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name"))


class OpportunityForm(forms.Form):
    """Create or edit an opportunity. ``customer``, ``contact``, ``owner`` and ``stage``
    are ids checked against the records offered; the service checks the rest."""

    name = forms.CharField(label=_("商机名称"), max_length=200)
    customer = forms.TypedChoiceField(label=_("客户"), coerce=int)
    contact = forms.TypedChoiceField(
        label=_("联系人"), coerce=int, required=False, empty_value=None
    )
    pipeline = forms.TypedChoiceField(label=_("销售流程"), coerce=int, required=False)
    stage = forms.TypedChoiceField(label=_("阶段"), coerce=int, required=False, empty_value=None)
    amount = forms.DecimalField(
        label=_("预计金额"), min_value=0, max_digits=18, decimal_places=2, required=False,
        help_text=_("有产品明细时按明细的价税合计计算。"),
    )  # fmt: skip
    probability = forms.IntegerField(
        label=_("赢率（%）"), min_value=0, max_value=100, required=False,
        help_text=_("留空则取阶段的默认赢率。"),
    )  # fmt: skip
    expected_close_date = forms.DateField(
        label=_("预计成交日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(label=_("来源"), required=False)
    next_step = forms.CharField(label=_("下一步"), max_length=200, required=False)
    owner = forms.TypedChoiceField(label=_("负责人"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, customers=(), contacts=(), pipelines=(), stages=(), owners=(),
                 source="", editing=False, **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.records = {
            "customer": {c.pk: c for c in customers},
            "contact": {c.pk: c for c in contacts},
            "pipeline": {p.pk: p for p in pipelines},
            "stage": {s.pk: s for s in stages},
            "owner": {e.pk: e for e in owners},
        }
        self.fields["customer"].choices = [BLANK] + [
            (c.pk, f"{c.name}（{c.code}）") for c in customers
        ]
        self.fields["contact"].choices = [BLANK] + [(c.pk, c.name) for c in contacts]
        self.fields["pipeline"].choices = [(p.pk, p.name) for p in pipelines]
        self.fields["stage"].choices = [BLANK] + [(s.pk, s.name) for s in stages]
        self.fields["owner"].choices = [BLANK] + [(e.pk, e.name) for e in owners]
        self.fields["source"].choices = dictionary_choices("lead_source", source)
        if editing:
            for name in ("customer", "pipeline", "stage"):
                del self.fields[name]
        if not owners:
            del self.fields["owner"]

    def record(self, name):
        value = self.cleaned_data.get(name)
        return self.records[name].get(value) if value else None


class LoseForm(forms.Form):
    lost_reason = forms.ChoiceField(label=_("输单原因"))
    lost_note = forms.CharField(
        label=_("输单说明"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].choices = dictionary_choices("lost_reason")


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("流程名称"), max_length=60)
    is_default = forms.BooleanField(label=_("设为默认流程"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class StageRowForm(forms.Form):
    """One row of the stages table: an existing stage (``id``) or a new one."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    position = forms.IntegerField(label=_("顺序"), required=False, min_value=0, max_value=999)
    name = forms.CharField(label=_("阶段名称"), max_length=60, required=False)
    probability = forms.IntegerField(
        label=_("默认赢率（%）"), min_value=0, max_value=100, required=False
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Stage.Kind.choices, initial="open")
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    remove = forms.BooleanField(label=_("删除"), required=False)


StageFormSet = forms.formset_factory(StageRowForm, extra=2, max_num=30, absolute_max=40)


def stages_from_formset(formset):
    """The rows of a valid formset as the service's stage dicts, in the order of their
    ``position`` (then as shown); blank new rows and removed rows are left out."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("remove"):
            continue
        if not data.get("id") and not (data.get("name") or "").strip():
            continue
        position = data.get("position")
        rows.append(
            (
                position if position is not None else 1000 + index,
                index,
                {
                    "id": data.get("id"),
                    "name": (data.get("name") or "").strip(),
                    "probability": data.get("probability") or 0,
                    "kind": data.get("kind") or "open",
                    "is_active": bool(data.get("is_active")),
                },
            )
        )
    return [row for _position, _index, row in sorted(rows, key=lambda r: (r[0], r[1]))]
