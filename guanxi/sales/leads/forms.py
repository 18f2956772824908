"""HTML forms of leads and their rules. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import RegionInput
from guanxi.customers.forms import BLANK, dictionary_choices
from guanxi.orgs.models import Department, Employee
from guanxi.sales.leads.models import AssignmentRule, Lead, ScoringRule

AUTO = ""  # the owner choice "by the assignment rules"


def active_employees():
    return list(Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name"))


class _Records:
    """A ``<select>`` of records whose value is cleaned to the object."""

    def _set(self, field, records, label, blank=BLANK):
        self._records = getattr(self, "_records", {})
        self._records[field] = {str(r.pk): r for r in records}
        self.fields[field].choices = [blank] + [(str(r.pk), label(r)) for r in records]

    def record(self, field):
        value = self.cleaned_data.get(field)
        return self._records[field].get(value) if value else None


class LeadForm(_Records, forms.Form):
    contact_name = forms.CharField(label=_("联系人姓名"), max_length=100)
    company_name = forms.CharField(label=_("公司名称"), max_length=200, required=False)
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    mobile = forms.CharField(
        label=_("手机"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("电话"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )  # fmt: skip
    email = forms.EmailField(label=_("电子邮件"), required=False)
    region = forms.CharField(
        label=_("省市区"), max_length=100, required=False, widget=RegionInput()
    )
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    industry = forms.ChoiceField(label=_("行业"), required=False)
    size = forms.ChoiceField(label=_("企业规模"), choices=Lead.Size.choices, required=False)
    source = forms.ChoiceField(label=_("线索来源"), required=False)
    campaign = forms.IntegerField(
        label=_("营销活动编号"), required=False, min_value=1, max_value=2**62
    )
    owner = forms.ChoiceField(label=_("负责人"), required=False)
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, employee, lead=None, can_transfer=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["industry"].choices = dictionary_choices(
            "industry", getattr(lead, "industry", "")
        )
        self.fields["source"].choices = dictionary_choices(
            "lead_source", getattr(lead, "source", "")
        )
        if lead is not None:
            del self.fields["owner"]  # changing hands: the transfer action
            return
        employees = active_employees() if can_transfer else [employee]
        self._set("owner", employees, lambda e: e.name, blank=(AUTO, _("按分配规则自动分配")))

    def service_kwargs(self):
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("owner", "version")
        }
        if "owner" in self.fields:
            data["owner"] = self.record("owner")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[(s.value, s.label) for s in Lead.Status if s != Lead.Status.CONVERTED],
    )
    disqualified_reason = forms.CharField(label=_("无效原因"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TransferForm(_Records, forms.Form):
    owner = forms.ChoiceField(label=_("新负责人"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set("owner", active_employees(), lambda e: e.name, blank=("", _("退回线索池")))


class ConvertForm(forms.Form):
    """The conversion page: an existing customer or a new one, the contact, and an
    optional opportunity."""

    MODE_NEW, MODE_EXISTING = "new", "existing"
    mode = forms.ChoiceField(
        label=_("转为"),
        choices=[(MODE_NEW, _("新客户")), (MODE_EXISTING, _("已有客户"))],
        initial=MODE_NEW,
        widget=forms.RadioSelect,
    )
    customer = forms.IntegerField(label=_("已有客户"), required=False, min_value=1, max_value=2**62)
    customer_name = forms.CharField(label=_("客户名称"), max_length=200, required=False)
    customer_phone = forms.CharField(label=_("客户电话"), max_length=40, required=False)
    customer_email = forms.EmailField(label=_("客户电子邮件"), required=False)
    contact_name = forms.CharField(label=_("联系人姓名"), max_length=100)
    contact_title = forms.CharField(label=_("职务"), max_length=100, required=False)
    contact_mobile = forms.CharField(label=_("手机"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("电子邮件"), required=False)
    create_opportunity = forms.BooleanField(label=_("同时创建商机"), required=False)
    opportunity_name = forms.CharField(label=_("商机名称"), max_length=200, required=False)
    opportunity_amount = forms.DecimalField(
        label=_("预计金额"), required=False, min_value=0, max_digits=18, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )  # fmt: skip
    expected_close_date = forms.DateField(
        label=_("预计成交日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    allow_duplicate = forms.BooleanField(label=_("我已确认不是重复客户"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.MODE_EXISTING and not data.get("customer"):
            self.add_error("customer", _("请选择已有客户。"))
        if data.get("mode") == self.MODE_NEW and not data.get("customer_name"):
            self.add_error("customer_name", _("请填写客户名称。"))
        if data.get("create_opportunity") and not data.get("opportunity_name"):
            self.add_error("opportunity_name", _("请填写商机名称。"))
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        kwargs = {
            "version": data.get("version"),
            "allow_duplicate": bool(data.get("allow_duplicate")),
            "contact": {
                key: value
                for key, value in {
                    "name": data["contact_name"],
                    "title": data.get("contact_title"),
                    "mobile": data.get("contact_mobile"),
                    "email": data.get("contact_email"),
                }.items()
                if value
            },
        }
        if data.get("mode") == self.MODE_EXISTING:
            kwargs["customer"] = data["customer"]
        else:
            kwargs["new_customer"] = {
                key: value
                for key, value in {
                    "name": data.get("customer_name"),
                    "phone": data.get("customer_phone"),
                    "email": data.get("customer_email"),
                }.items()
                if value
            }
        if data.get("create_opportunity"):
            kwargs["opportunity"] = {
                "name": data["opportunity_name"],
                "amount": data.get("opportunity_amount"),
                "expected_close_date": data.get("expected_close_date"),
            }
        return kwargs


class ScoringRuleForm(forms.Form):
    criterion = forms.ChoiceField(label=_("评分项"), choices=ScoringRule.Criterion.choices)
    value = forms.CharField(
        label=_("取值"),
        max_length=100,
        help_text=_("行业、来源填选项编码；规模填人数段；地区填包含的文字；次数填整数。"),
    )
    points = forms.IntegerField(label=_("分值"), min_value=-100, max_value=100)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class AssignmentRuleForm(_Records, forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    position = forms.IntegerField(label=_("顺序"), min_value=0, max_value=32767, initial=10)
    source = forms.ChoiceField(label=_("线索来源"), required=False)
    region = forms.CharField(
        label=_("地区包含"), max_length=100, required=False,
        help_text=_("例如“广东”或“杭州”；留空表示不限。"),
    )  # fmt: skip
    method = forms.ChoiceField(label=_("分配方式"), choices=AssignmentRule.Method.choices)
    department = forms.ChoiceField(label=_("部门"), required=False)
    employee = forms.ChoiceField(label=_("指定员工"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        sources = dictionary_choices("lead_source", getattr(rule, "source", ""))[1:]
        self.fields["source"].choices = [("", _("不限")), *sources]
        self._set("department", list(Department.objects.order_by("name")), lambda d: d.name)
        self._set("employee", active_employees(), lambda e: e.name)

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["department"] = self.record("department")
        data["employee"] = self.record("employee")
        return data
