"""HTML forms of sales orders. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy

from guanxi.sales.orders.models import Order

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrderForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("订单名称"), max_length=200, required=False)
    customer = forms.TypedChoiceField(
        label=gettext_lazy("客户"), coerce=int, required=False, empty_value=None
    )
    contact = forms.TypedChoiceField(
        label=gettext_lazy("联系人"), coerce=int, required=False, empty_value=None
    )
    order_date = forms.DateField(label=gettext_lazy("下单日期"), required=False, widget=DATE)
    payment_due_date = forms.DateField(
        label=gettext_lazy("付款到期日"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("直接下单时，确认后按此日期生成应收款（留空为下单日期）。"),
    )
    notes = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
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
    def initial_for(cls, order: Order):
        return {
            "title": order.title,
            "customer": order.customer_id,
            "contact": order.contact_id,
            "order_date": order.order_date,
            "payment_due_date": order.payment_due_date,
            "notes": order.notes,
            "version": order.version,
        }


class DeliveryForm(forms.Form):
    delivery_status = forms.ChoiceField(
        label=gettext_lazy("发货状态"),
        choices=Order.Delivery.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    shipped_on = forms.DateField(
        label=gettext_lazy("发货日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    delivered_on = forms.DateField(
        label=gettext_lazy("签收日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
