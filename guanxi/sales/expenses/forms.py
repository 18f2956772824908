"""HTML forms of expenses. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy

from guanxi.sales.expenses.models import Expense

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("费用类别"))
    # text, not a number field: the service answers every bad amount with its own message
    amount = forms.CharField(
        label=gettext_lazy("金额"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.CharField(label=gettext_lazy("币种"), max_length=3)
    incurred_on = forms.DateField(label=gettext_lazy("发生日期"), widget=DATE)
    description = forms.CharField(
        label=gettext_lazy("事由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    customer = forms.TypedChoiceField(
        label=gettext_lazy("客户"), coerce=int, required=False, empty_value=None
    )
    opportunity = forms.TypedChoiceField(
        label=gettext_lazy("商机"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("选择商机后，客户自动取商机的客户。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, opportunities, opportunity_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *Expense.Category.choices]
        self.fields["customer"].choices = [("", "—")] + [(c.pk, c.name) for c in customers]
        self.fields["opportunity"].choices = [("", "—")] + [(o.pk, o.name) for o in opportunities]
        _style(self)
        self.fields["currency"].widget.attrs.update({"class": "form-control text-uppercase"})
        if opportunity_url:
            # picking another customer reloads the opportunity choices (htmx)
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": opportunity_url,
                    "hx-target": "#id_opportunity",
                    "hx-trigger": "change",
                    "hx-include": "this",
                }
            )

    @classmethod
    def initial_for(cls, expense):
        return {
            "category": expense.category,
            "amount": f"{expense.amount.normalize():f}",
            "currency": expense.currency,
            "incurred_on": expense.incurred_on,
            "description": expense.description,
            "customer": expense.customer_id,
            "opportunity": expense.opportunity_id,
            "version": expense.version,
        }
