"""HTML forms of quotes. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy

from guanxi.sales.quotes.models import Quote

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
        field.widget.attrs.setdefault("class", css)


class QuoteForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("主题"), max_length=200, required=False)
    customer = forms.TypedChoiceField(label=gettext_lazy("客户"), coerce=int)
    contact = forms.TypedChoiceField(
        label=gettext_lazy("联系人"), coerce=int, required=False, empty_value=None
    )
    quote_date = forms.DateField(label=gettext_lazy("报价日期"), required=False, widget=DATE)
    valid_until = forms.DateField(label=gettext_lazy("有效期至"), required=False, widget=DATE)
    language = forms.ChoiceField(label=gettext_lazy("报价单语言"), choices=Quote.Language.choices)
    terms = forms.CharField(
        label=gettext_lazy("条款"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    notes = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, contacts, contact_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—")] + [(c.pk, c.name) for c in customers]
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.name) for c in contacts]
        _style(self)
        if contact_url:
            # picking another customer reloads the contact choices (htmx)
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": contact_url,
                    "hx-target": "#id_contact",
                    "hx-trigger": "change",
                    "hx-include": "this",
                }
            )

    @classmethod
    def initial_for(cls, quote):
        return {
            "title": quote.title,
            "customer": quote.customer_id,
            "contact": quote.contact_id,
            "quote_date": quote.quote_date,
            "valid_until": quote.valid_until,
            "language": quote.language,
            "terms": quote.terms,
            "notes": quote.notes,
            "version": quote.version,
        }


class SendForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("收件人"),
        max_length=1000,
        help_text=gettext_lazy("多个地址用逗号分隔。"),
    )
    cc = forms.CharField(label=gettext_lazy("抄送"), max_length=1000, required=False)
    subject = forms.CharField(label=gettext_lazy("邮件主题"), max_length=200, required=False)
    message = forms.CharField(
        label=gettext_lazy("正文"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    language = forms.ChoiceField(label=gettext_lazy("报价单语言"), choices=Quote.Language.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
