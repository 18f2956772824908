"""HTML forms of repairs, packing lists, outlets and fee lists. They parse input; the
``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.service.repairs.models import Repair, ServiceOutlet

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "—")


def _style(form, prefix=""):
    for name, field in form.fields.items():
        if prefix:
            field.widget.attrs.setdefault("data-testid", f"{prefix}-{name.replace('_', '-')}")
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(field, forms.ChoiceField):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


def _choices(records, label=str):
    return [BLANK] + [(record.pk, label(record)) for record in records]


def product_label(product):
    return f"{product.code} {product.name}"


class RepairForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("客户"), coerce=int, required=False, empty_value=None)
    installed_product = forms.TypedChoiceField(
        label=_("安装档案"), coerce=int, required=False, empty_value=None
    )
    product = forms.TypedChoiceField(
        label=_("维修产品"), coerce=int, required=False, empty_value=None
    )
    serial_number = forms.CharField(label=_("序列号"), max_length=100, required=False)
    fault_description = forms.CharField(
        label=_("故障描述"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    outlet = forms.TypedChoiceField(
        label=_("服务网点"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("留空则按客户所在地区自动匹配网点。"),
    )
    owner = forms.TypedChoiceField(
        label=_("维修技师"), coerce=int, required=False, empty_value=None
    )
    received_on = forms.DateField(label=_("接收日期"), required=False, widget=DATE)
    labour_hours = forms.DecimalField(
        label=_("工时（小时）"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    call_out = forms.BooleanField(label=_("上门服务"), required=False)
    diagnosis = forms.CharField(
        label=_("检测结果"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    result = forms.CharField(
        label=_("维修结果"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    ticket = forms.IntegerField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, installed, products, outlets, technicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _choices(customers, lambda c: c.name)
        self.fields["installed_product"].choices = _choices(installed)
        self.fields["product"].choices = _choices(products, product_label)
        self.fields["outlet"].choices = _choices(outlets, lambda o: o.name)
        self.fields["owner"].choices = _choices(technicians, lambda e: e.name)
        _style(self, "repair")

    @classmethod
    def initial_for(cls, repair: Repair):
        return {
            "customer": repair.customer_id,
            "installed_product": repair.installed_product_id,
            "product": repair.product_id,
            "serial_number": repair.serial_number,
            "fault_description": repair.fault_description,
            "outlet": repair.outlet_id,
            "owner": repair.owner_id,
            "received_on": repair.received_on,
            "labour_hours": repair.labour_hours,
            "call_out": repair.call_out,
            "diagnosis": repair.diagnosis,
            "result": repair.result,
            "version": repair.version,
        }


class PartForm(forms.Form):
    product = forms.TypedChoiceField(label=_("配件"), coerce=int, empty_value=None)
    quantity = forms.DecimalField(label=_("数量"), initial=1, max_digits=18, decimal_places=4)
    unit_price = forms.DecimalField(
        label=_("单价"),
        required=False,
        max_digits=20,
        decimal_places=6,
        help_text=_("留空则取收费标准的配件价格，没有时取产品价格。"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _choices(products, product_label)
        _style(self, "part")


class EntitlementForm(forms.Form):
    chargeable = forms.BooleanField(label=_("收费"), required=False)
    entitlement_note = forms.CharField(label=_("保修/合同说明"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self, "entitlement")


class PackingListForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("客户"), coerce=int, required=False, empty_value=None)
    ship_to_name = forms.CharField(
        label=_("收货人"), max_length=100, required=False, help_text=_("留空则取客户名称。")
    )
    ship_to_phone = forms.CharField(label=_("收货电话"), max_length=40, required=False)
    ship_to_address = forms.CharField(
        label=_("收货地址"), max_length=300, required=False, help_text=_("留空则取客户地址。")
    )
    carrier = forms.CharField(label=_("承运商"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("运单号"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _choices(customers, lambda c: c.name)
        _style(self, "packing")


class PackingLineForm(forms.Form):
    product = forms.TypedChoiceField(label=_("产品"), coerce=int, empty_value=None)
    quantity = forms.DecimalField(label=_("数量"), initial=1, max_digits=18, decimal_places=4)
    serial_numbers = forms.CharField(label=_("序列号"), max_length=2000, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _choices(products, product_label)
        _style(self, "packing-line")


class OutletForm(forms.Form):
    code = forms.CharField(label=_("网点编号"), max_length=40)
    name = forms.CharField(label=_("网点名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=ServiceOutlet.Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    phone = forms.CharField(label=_("电话"), max_length=40, required=False)
    manager = forms.TypedChoiceField(
        label=_("网点负责人"), coerce=int, required=False, empty_value=None
    )
    technicians = forms.TypedMultipleChoiceField(
        label=_("维修技师"), coerce=int, required=False, widget=forms.SelectMultiple
    )
    coverage = forms.CharField(
        label=_("覆盖地区"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-coverage-text": "1"}),
        help_text=_("每行一个地区，如“广东省”或“广东省 深圳市”；客户地区以此开头即由本网点服务。"),
    )
    fee_list = forms.TypedChoiceField(
        label=_("收费标准"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("留空则用默认收费标准。"),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    notes = forms.CharField(
        label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, employees, fee_lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = _choices(employees, lambda e: e.name)
        self.fields["technicians"].choices = [(e.pk, e.name) for e in employees]
        self.fields["fee_list"].choices = _choices(fee_lists)
        _style(self, "outlet")
        self.fields["technicians"].widget.attrs["size"] = 6

    @classmethod
    def initial_for(cls, outlet: ServiceOutlet):
        return {
            "code": outlet.code,
            "name": outlet.name,
            "kind": outlet.kind,
            "address": outlet.address,
            "phone": outlet.phone,
            "manager": outlet.manager_id,
            "technicians": [e.pk for e in outlet.technicians.all()],
            "coverage": "\n".join(outlet.coverage or []),
            "fee_list": outlet.fee_list_id,
            "active": outlet.active,
            "notes": outlet.notes,
            "version": outlet.version,
        }


class FeeListForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    currency = forms.CharField(label=_("币种"), max_length=3, required=False)
    labour_rate = forms.DecimalField(
        label=_("工时费（每小时）"), min_value=0, max_digits=20, decimal_places=6
    )
    call_out_fee = forms.DecimalField(
        label=_("上门费"), min_value=0, max_digits=20, decimal_places=6
    )
    discount_percent = forms.DecimalField(
        label=_("折扣（%）"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    is_default = forms.BooleanField(label=_("默认"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    notes = forms.CharField(
        label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self, "fee")

    @classmethod
    def initial_for(cls, fee_list):
        return {
            "name": fee_list.name,
            "currency": fee_list.currency,
            "labour_rate": fee_list.labour_rate.normalize(),
            "call_out_fee": fee_list.call_out_fee.normalize(),
            "discount_percent": fee_list.discount_percent.normalize(),
            "is_default": fee_list.is_default,
            "active": fee_list.active,
            "notes": fee_list.notes,
            "version": fee_list.version,
        }


class FeeItemForm(forms.Form):
    product = forms.TypedChoiceField(label=_("产品"), coerce=int, empty_value=None)
    price = forms.DecimalField(label=_("配件价格"), min_value=0, max_digits=20, decimal_places=6)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _choices(products, product_label)
        _style(self, "fee-item")
