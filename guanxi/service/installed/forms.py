"""HTML forms of installed products. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy

from guanxi.service.installed.models import InstalledProduct
from guanxi.service.installed.services import DEFAULT_WARRANTY_MONTHS, MAX_WARRANTY_MONTHS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
        field.widget.attrs.setdefault("class", css)


class InstalledProductForm(forms.Form):
    customer = forms.TypedChoiceField(label=gettext_lazy("客户"), coerce=int, empty_value=None)
    contact = forms.TypedChoiceField(
        label=gettext_lazy("联系人"), coerce=int, required=False, empty_value=None
    )
    product = forms.TypedChoiceField(label=gettext_lazy("产品"), coerce=int, empty_value=None)
    serial_number = forms.CharField(label=gettext_lazy("序列号"), max_length=100, required=False)
    install_date = forms.DateField(label=gettext_lazy("安装日期"), required=False, widget=DATE)
    warranty_months = forms.IntegerField(
        label=gettext_lazy("保修月数"),
        min_value=0,
        max_value=MAX_WARRANTY_MONTHS,
        required=False,
        initial=DEFAULT_WARRANTY_MONTHS,
        help_text=gettext_lazy("保修截止日期 = 安装日期 + 保修月数；留空则保持不变。"),
    )
    warranty_end = forms.DateField(
        label=gettext_lazy("保修截止日期"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("填写后以此为准，不按保修月数计算。"),
    )
    region = forms.CharField(label=gettext_lazy("省市区"), max_length=100, required=False)
    location = forms.CharField(label=gettext_lazy("安装地点"), max_length=300, required=False)
    installed_by = forms.TypedChoiceField(
        label=gettext_lazy("安装人员"), coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, contacts, products, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—")] + [(c.pk, c.name) for c in customers]
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.name) for c in contacts]
        self.fields["product"].choices = [("", "—")] + [
            (p.pk, f"{p.code} {p.name}") for p in products
        ]
        self.fields["installed_by"].choices = [("", "—")] + [(e.pk, e.name) for e in employees]
        _style(self)

    @classmethod
    def initial_for(cls, item: InstalledProduct):
        return {
            "customer": item.customer_id,
            "contact": item.contact_id,
            "product": item.product_id,
            "serial_number": item.serial_number,
            "install_date": item.install_date,
            "warranty_months": None,
            "warranty_end": item.warranty_end,
            "region": item.region,
            "location": item.location,
            "installed_by": item.installed_by_id,
            "notes": item.notes,
            "version": item.version,
        }


class FromOrderForm(forms.Form):
    """Register the units of one line of a confirmed order, a serial number per line."""

    line = forms.TypedChoiceField(label=gettext_lazy("订单明细"), coerce=int, empty_value=None)
    serial_numbers = forms.CharField(
        label=gettext_lazy("序列号"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("每行一个序列号，每台一个。"),
    )
    install_date = forms.DateField(label=gettext_lazy("安装日期"), required=False, widget=DATE)
    warranty_months = forms.IntegerField(
        label=gettext_lazy("保修月数"),
        min_value=0,
        max_value=MAX_WARRANTY_MONTHS,
        initial=DEFAULT_WARRANTY_MONTHS,
    )
    location = forms.CharField(label=gettext_lazy("安装地点"), max_length=300, required=False)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            (line.pk, f"{line.product.code} {line.product.name} × {line.quantity:g}")
            for line in lines
        ]
        _style(self)

    def serials(self):
        text = self.cleaned_data.get("serial_numbers") or ""
        return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("导入文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV（UTF-8 / GBK），第一行为表头。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )
