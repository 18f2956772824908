"""HTML forms of service contracts. They parse input; ``services`` validate and write."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy

from guanxi.service.contracts.models import ServiceContract

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceContractForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("合同名称"), max_length=200)
    customer = forms.TypedChoiceField(label=gettext_lazy("客户"), coerce=int, empty_value=None)
    contact = forms.TypedChoiceField(
        label=gettext_lazy("联系人"), coerce=int, required=False, empty_value=None
    )
    start_date = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE)
    first_response_minutes = forms.IntegerField(
        label=gettext_lazy("首次响应（分钟）"), min_value=0, required=False
    )
    resolution_minutes = forms.IntegerField(
        label=gettext_lazy("解决时限（分钟）"), min_value=0, required=False
    )
    onsite_response_hours = forms.IntegerField(
        label=gettext_lazy("上门响应（小时）"), min_value=0, required=False
    )
    visits_included = forms.IntegerField(
        label=gettext_lazy("包含上门次数"),
        min_value=0,
        required=False,
        help_text=gettext_lazy("服务期内包含的上门次数；留空表示不限。"),
    )
    price = forms.DecimalField(label=gettext_lazy("合同金额"), min_value=0, required=False)
    billing_notes = forms.CharField(
        label=gettext_lazy("收费说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    installed_products = forms.TypedMultipleChoiceField(
        label=gettext_lazy("覆盖的设备"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    products = forms.TypedMultipleChoiceField(
        label=gettext_lazy("覆盖的产品（该客户的全部同型号设备）"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, contacts, installed, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—")] + [(c.pk, c.name) for c in customers]
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.name) for c in contacts]
        self.fields["installed_products"].choices = [(i.pk, str(i)) for i in installed]
        # choosing the customer reloads the coverage picker with their installed products
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": reverse("service_contracts:coverage_picker"),
                "hx-target": "#coverage-picker",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
                "data-testid": "contract-customer",
            }
        )
        self.fields["products"].choices = [(p.pk, f"{p.code} {p.name}") for p in products]
        for field in self.fields.values():
            if isinstance(field.widget, (forms.HiddenInput, forms.CheckboxSelectMultiple)):
                continue
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def items(self):
        data = self.cleaned_data
        return [{"installed_product": pk} for pk in data.get("installed_products") or []] + [
            {"product": pk} for pk in data.get("products") or []
        ]

    @classmethod
    def initial_for(cls, contract: ServiceContract):
        items = list(contract.items.all())
        return {
            "title": contract.title,
            "customer": contract.customer_id,
            "contact": contract.contact_id,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "first_response_minutes": contract.first_response_minutes,
            "resolution_minutes": contract.resolution_minutes,
            "onsite_response_hours": contract.onsite_response_hours,
            "visits_included": contract.visits_included,
            "price": contract.price,
            "billing_notes": contract.billing_notes,
            "installed_products": [i.installed_product_id for i in items if i.installed_product_id],
            "products": [i.product_id for i in items if i.product_id],
            "version": contract.version,
        }
