"""HTML forms of contracts. They parse input; ``services`` validate and write."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.sales.contracts.models import Contract

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def plan_from_post(data):
    """The payment plan editor's rows (its hidden ``plan_json`` field) as a list of
    ``{amount, due_date}``; completely empty rows are dropped."""
    text = (data.get("plan_json") or "").strip()
    if not text:
        return []
    try:
        rows = json.loads(text)
    except ValueError:
        raise ValidationError({"payment_plan": [_("收款计划格式不正确。")]}) from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValidationError({"payment_plan": [_("收款计划格式不正确。")]})
    plan = []
    for row in rows:
        amount = str(row.get("amount") or "").strip()
        due = str(row.get("due_date") or "").strip()
        if amount or due:
            plan.append({"amount": amount, "due_date": due})
    return plan


class ContractForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("合同名称"), max_length=200)
    customer = forms.TypedChoiceField(label=gettext_lazy("客户"), coerce=int)
    contact = forms.TypedChoiceField(
        label=gettext_lazy("联系人"), coerce=int, required=False, empty_value=None
    )
    start_date = forms.DateField(label=gettext_lazy("开始日期"), required=False, widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("结束日期"), required=False, widget=DATE)
    signed_on = forms.DateField(label=gettext_lazy("签订日期"), required=False, widget=DATE)
    terms = forms.CharField(
        label=gettext_lazy("合同条款"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—")] + [(c.pk, c.name) for c in customers]
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.name) for c in contacts]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    @classmethod
    def initial_for(cls, contract: Contract):
        return {
            "title": contract.title,
            "customer": contract.customer_id,
            "contact": contract.contact_id,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "signed_on": contract.signed_on,
            "terms": contract.terms,
            "version": contract.version,
        }


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"))
