"""HTML forms of receivables, payments and invoices. They parse input; the services
check it (amounts, customers, allocations) and their refusals are shown on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.orgs.models import Employee
from guanxi.sales.receivables.models import Invoice, Payment, Receivable


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _employees():
    return Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name", "id")


class CustomerChoiceMixin:
    """A ``customer`` select offering the customer already chosen (its options are loaded
    by the search box next to it)."""

    def set_customer(self, customer):
        field = self.fields["customer"]
        field.widget.choices = [("", "—")] + ([(customer.pk, customer.name)] if customer else [])
        if customer is not None and not self.is_bound:
            self.initial["customer"] = customer.pk


class ReceivableForm(CustomerChoiceMixin, forms.Form):
    customer = forms.IntegerField(
        label=_("客户"), widget=forms.Select(attrs={"data-testid": "customer-select"})
    )
    title = forms.CharField(label=_("摘要"), max_length=200)
    amount = forms.DecimalField(label=_("应收金额"), max_digits=20, decimal_places=6)
    due_date = forms.DateField(label=_("到期日"), widget=DateInput())
    owner = forms.ModelChoiceField(
        label=_("负责人"),
        queryset=Employee.objects.none(),
        required=False,
        help_text=_("留空：客户的负责人。"),
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _employees()
        self.set_customer(customer)


class ReceivableEditForm(forms.Form):
    title = forms.CharField(label=_("摘要"), max_length=200, required=False)
    due_date = forms.DateField(label=_("到期日"), widget=DateInput())
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=Employee.objects.none())
    amount = forms.DecimalField(
        label=_("应收金额"),
        max_digits=20,
        decimal_places=6,
        required=False,
        help_text=_("仅手工录入的应收款可改金额，且不能小于已收金额。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, receivable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _employees()
        if receivable.source_type != Receivable.Source.MANUAL:
            del self.fields["amount"]


class PaymentForm(CustomerChoiceMixin, forms.Form):
    customer = forms.IntegerField(
        label=_("客户"), widget=forms.Select(attrs={"data-testid": "customer-select"})
    )
    amount = forms.DecimalField(
        label=_("回款金额"),
        max_digits=20,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any", "data-testid": "payment-amount"}),
    )
    received_at = forms.DateField(label=_("到账日期"), widget=DateInput())
    method = forms.ChoiceField(label=_("付款方式"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("银行流水号"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_customer(customer)


class InvoiceForm(CustomerChoiceMixin, forms.Form):
    customer = forms.IntegerField(
        label=_("客户"), widget=forms.Select(attrs={"data-testid": "customer-select"})
    )
    number = forms.CharField(label=_("发票号码"), max_length=40)
    type = forms.ChoiceField(label=_("发票类型"), choices=Invoice.Type.choices)
    amount = forms.DecimalField(
        label=_("价税合计"),
        max_digits=20,
        decimal_places=6,
        widget=forms.NumberInput({"step": "any"}),
    )
    tax_amount = forms.DecimalField(
        label=_("税额"),
        max_digits=20,
        decimal_places=6,
        required=False,
        widget=forms.NumberInput({"step": "any"}),
    )
    issued_on = forms.DateField(label=_("开票日期"), widget=DateInput())
    notes = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_customer(customer)


class PaymentEditForm(forms.Form):
    """What may change on a recorded payment: how it was paid, the bank reference, the
    notes and the owner. Amount, customer and date are fixed (void and record again),
    so a payment keeps its allocations whatever is edited here."""

    method = forms.ChoiceField(label=_("付款方式"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("银行流水号"), max_length=100, required=False)
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=Employee.objects.none())
    notes = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _employees()


class InvoiceEditForm(forms.Form):
    """What may change on an issued invoice: the notes, the owner and the receivables it
    is linked to (the ``receivables`` checkboxes). Number, type, amounts and date are
    fixed: void it and record it again."""

    owner = forms.ModelChoiceField(label=_("负责人"), queryset=Employee.objects.none())
    notes = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _employees()


def allocations_from_post(data):
    """``[{receivable, amount}]`` from the allocation rows (``alloc_<receivable id>``
    inputs); blank rows are left out."""
    rows = []
    for key, value in data.items():
        if key.startswith("alloc_") and str(value).strip():
            rows.append({"receivable": key.removeprefix("alloc_"), "amount": str(value).strip()})
    return rows
