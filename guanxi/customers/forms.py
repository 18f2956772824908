"""HTML forms of customers and contacts. They parse input; ``services`` validate and write."""

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import RegionInput
from guanxi.customers import selectors
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import DICTIONARY_FIELDS, PHONE_DIGITS
from guanxi.orgs import custom_fields
from guanxi.orgs.models import Department, Employee
from guanxi.orgs.selectors import dictionary_entries

PARENT_CHOICES_LIMIT = 200
_TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")
BLANK = ("", "---------")


_PREFILL_PHONE = re.compile(r"^\+?[0-9][0-9\-\s]*$")


def phone_from_query(value) -> str:
    """A phone number handed to the create form in the address (``?phone=``, as the
    call-centre screen's "新建客户" link does), when it is one: digits with an optional
    leading + and dashes or spaces, 3 to 20 digits, at most 40 characters. Anything
    else is dropped (the form starts empty) rather than shown back."""
    value = str(value or "").strip()
    if not value or len(value) > 40 or not _PREFILL_PHONE.match(value):
        return ""
    digits = sum(ch.isdigit() for ch in value)
    return value if PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1] else ""


def dictionary_choices(kind, current=""):
    """Active entries of a picklist, plus the current value if it was retired since."""
    return [BLANK] + [
        (entry.code, entry.display_label)
        for entry in dictionary_entries(kind=kind)
        if entry.is_active or entry.code == current
    ]


def split_tags(text):
    return [tag for tag in _TAG_SEPARATORS.split(text or "") if tag]


class _PickerMixin:
    """A ``<select>`` of records whose value is cleaned to the object."""

    fields: dict[str, Any]
    cleaned_data: dict[str, Any]

    def _set_records(self, field, records, label):
        self._records = getattr(self, "_records", {})
        self._records[field] = {str(r.pk): r for r in records}
        self.fields[field].choices = [BLANK] + [(str(r.pk), label(r)) for r in records]

    def _record(self, field):
        value = self.cleaned_data.get(field)
        return self._records[field].get(value) if value else None


class CustomerForm(_PickerMixin, forms.Form):
    name = forms.CharField(label=_("客户名称"), max_length=200)
    code = forms.CharField(
        label=_("客户编号"),
        max_length=40,
        required=False,
        help_text=_("留空则按编号规则自动生成。"),
    )
    mnemonic = forms.CharField(
        label=_("助记码"),
        max_length=60,
        required=False,
        help_text=_("留空则取名称的拼音首字母。"),
    )
    is_person = forms.BooleanField(label=_("个人客户"), required=False)
    lifecycle_stage = forms.ChoiceField(
        label=_("生命周期阶段"),
        choices=Customer.Lifecycle.choices,
        initial=Customer.Lifecycle.TARGET,
    )
    industry = forms.ChoiceField(label=_("行业"), required=False)
    level = forms.ChoiceField(label=_("客户级别"), required=False)
    type = forms.ChoiceField(label=_("客户类型"), required=False)
    status = forms.ChoiceField(label=_("客户状态"), required=False)
    source = forms.ChoiceField(label=_("客户来源"), required=False)
    credit_rating = forms.ChoiceField(label=_("信用等级"), required=False)
    credit_limit = forms.DecimalField(
        label=_("信用额度"),
        min_value=0,
        max_digits=18,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
    )
    phone = forms.CharField(label=_("电话"), max_length=40, required=False)
    finance_phone = forms.CharField(label=_("财务电话"), max_length=40, required=False)
    email = forms.EmailField(label=_("电子邮件"), required=False)
    website = forms.CharField(label=_("网址"), max_length=200, required=False)
    region = forms.CharField(
        label=_("省市区"), max_length=100, required=False, widget=RegionInput()
    )
    address = forms.CharField(label=_("办公地址"), max_length=300, required=False)
    postcode = forms.CharField(label=_("邮编"), max_length=10, required=False)
    parent = forms.ChoiceField(label=_("上级单位"), required=False)
    registered_on = forms.DateField(
        label=_("登记日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ChoiceField(label=_("负责人"), required=False)
    department = forms.ChoiceField(label=_("负责部门"), required=False)
    tags = forms.CharField(
        label=_("标签"),
        max_length=700,
        required=False,
        help_text=_("多个标签用逗号或空格分隔。"),
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, employee, customer=None, can_transfer=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        if customer is not None:  # an existing customer keeps a code; it may change, not clear
            self.fields["code"].required = True
            self.fields["code"].help_text = ""
        for field, kind in DICTIONARY_FIELDS.items():
            current = getattr(customer, field, "") if customer else ""
            picker: Any = self.fields[field]
            picker.choices = dictionary_choices(kind, current)
        self._set_parents(employee, customer)
        if can_transfer:
            employees = Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name")
            self._set_records("owner", employees, lambda e: e.name)
            departments = Department.objects.order_by("name")
            self._set_records("department", departments, lambda d: d.name)
        else:
            del self.fields["owner"]
            del self.fields["department"]
        self.custom_definitions = custom_fields.definitions("customer")
        self.fields.update(custom_fields.form_fields(self.custom_definitions))
        for name in ("name", "phone", "email"):  # the live duplicate warning
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse_lazy("customers:duplicates"),
                    "hx-trigger": "change",
                    "hx-target": "#duplicate-warning",
                    "hx-include": "#id_name,#id_phone,#id_email,#duplicate-exclude",
                }
            )

    def _set_parents(self, employee, customer):
        visible = selectors.customer_queryset(employee=employee).order_by("name", "id")
        if customer is not None:
            visible = visible.exclude(pk=customer.pk)
        parents = list(
            visible.select_related(None).only("id", "name", "code")[:PARENT_CHOICES_LIMIT]
        )
        current = customer.parent if customer is not None else None
        if current is not None and all(p.pk != current.pk for p in parents):
            parents.append(current)
        self._set_records("parent", parents, lambda c: f"{c.name}（{c.code}）")

    def custom_field_names(self):
        return [custom_fields.FORM_PREFIX + d.code for d in self.custom_definitions]

    def custom_bound_fields(self):
        return [self[name] for name in self.custom_field_names()]

    def service_kwargs(self):
        """The cleaned values as ``customer_create`` / ``customer_update`` take them."""
        skip = {"version", *self.custom_field_names()}
        data = {name: value for name, value in self.cleaned_data.items() if name not in skip}
        data["tags"] = split_tags(data.get("tags"))
        if self.customer is not None and data.get("mnemonic", "").upper() == self.customer.mnemonic:
            del data["mnemonic"]  # left as it was: a pinyin one follows a rename, as in the API
        for field in ("parent", "owner", "department"):
            if field in self.fields:
                data[field] = self._record(field)
        if not data.get("registered_on"):
            data.pop("registered_on", None)
        data["custom"] = custom_fields.values_from_form(self.cleaned_data, self.custom_definitions)
        return data

    @classmethod
    def initial_for(cls, customer):
        initial = {
            field: getattr(customer, field)
            for field in (
                "name", "code", "mnemonic", "is_person", "lifecycle_stage", "credit_limit",
                "phone", "finance_phone", "email", "website", "region", "address", "postcode",
                "registered_on", "notes", "version", *DICTIONARY_FIELDS,
            )
        }  # fmt: skip
        initial["parent"] = str(customer.parent_id or "")
        initial["owner"] = str(customer.owner_id or "")
        initial["department"] = str(customer.department_id or "")
        initial["tags"] = "，".join(customer.tags or [])
        initial.update(
            custom_fields.form_initial(customer.custom, custom_fields.definitions("customer"))
        )
        return initial


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    department_name = forms.CharField(label=_("所在部门"), max_length=100, required=False)
    mobile = forms.CharField(label=_("手机"), max_length=40, required=False)
    email = forms.EmailField(label=_("电子邮件"), required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=Contact.Gender.choices, required=False)
    birthday = forms.DateField(
        label=_("生日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_primary = forms.BooleanField(label=_("主联系人"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_kwargs(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    @classmethod
    def initial_for(cls, contact):
        return {name: getattr(contact, name) for name in cls.base_fields}


def _ids(text_or_list):
    values = text_or_list if isinstance(text_or_list, list | tuple) else [text_or_list]
    ids = []
    for value in values:
        for part in str(value or "").split(","):
            part = part.strip()
            if part.isdigit() and len(part) < 19:
                ids.append(int(part))
    return list(dict.fromkeys(ids))


class SelectionForm(forms.Form):
    """The customers chosen on the list, carried from page to page as ``ids``."""

    ids = forms.CharField(widget=forms.HiddenInput)

    def clean_ids(self):
        ids = _ids(self.cleaned_data["ids"])
        if not ids:
            raise forms.ValidationError(_("请至少选择一个客户。"))
        return ids


class BulkEditForm(SelectionForm):
    lifecycle_stage = forms.ChoiceField(
        label=_("生命周期阶段"), required=False, choices=[BLANK, *Customer.Lifecycle.choices]
    )
    industry = forms.ChoiceField(label=_("行业"), required=False)
    level = forms.ChoiceField(label=_("客户级别"), required=False)
    type = forms.ChoiceField(label=_("客户类型"), required=False)
    status = forms.ChoiceField(label=_("客户状态"), required=False)
    source = forms.ChoiceField(label=_("客户来源"), required=False)
    credit_rating = forms.ChoiceField(label=_("信用等级"), required=False)
    region = forms.CharField(
        label=_("省市区"), max_length=100, required=False, widget=RegionInput()
    )
    credit_limit = forms.DecimalField(
        label=_("信用额度"), min_value=0, max_digits=18, decimal_places=2, required=False
    )
    add_tags = forms.CharField(label=_("添加标签"), max_length=700, required=False)
    remove_tags = forms.CharField(label=_("移除标签"), max_length=700, required=False)

    CHANGE_FIELDS = (
        "lifecycle_stage", "industry", "level", "type", "status", "source", "credit_rating",
        "region", "credit_limit",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, kind in DICTIONARY_FIELDS.items():
            picker: Any = self.fields[field]
            picker.choices = dictionary_choices(kind)
        for field in self.CHANGE_FIELDS:
            self.fields[field].help_text = _("留空则不修改。")

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "customer_ids": data["ids"],
            "changes": {
                field: data[field]
                for field in self.CHANGE_FIELDS
                if data.get(field) not in (None, "")
            },
            "add_tags": split_tags(data.get("add_tags")),
            "remove_tags": split_tags(data.get("remove_tags")),
        }


def _active_employees():
    return Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name")


class TransferForm(_PickerMixin, SelectionForm):
    owner = forms.ChoiceField(label=_("新负责人"))
    with_contacts = forms.BooleanField(
        label=_("同时转移原负责人名下的联系人"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_records("owner", _active_employees(), lambda e: e.name)


class HandoverForm(_PickerMixin, forms.Form):
    source = forms.ChoiceField(label=_("移交人"))
    target = forms.ChoiceField(label=_("接收人"))
    scope = forms.ChoiceField(
        label=_("移交范围"),
        choices=[("all", _("全部客户及其未完成事项")), ("chosen", _("只移交下面勾选的客户"))],
        initial="all",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = Employee.objects.order_by("status", "name")
        self._set_records(
            "source",
            everyone,
            lambda e: e.name if e.is_active else _("%(name)s（离职）") % {"name": e.name},
        )
        self._set_records("target", _active_employees(), lambda e: e.name)
