"""HTML forms of work reports: the report form built from the report's fields, the
template form and its table of fields. They parse input; the services check it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.forms import refuse
from guanxi.orgs.models import Department, Employee, Role
from guanxi.workspace.reports import rules
from guanxi.workspace.reports.models import FieldType, Period, ReportTemplate

WEEKDAYS = [
    (1, pgettext_lazy("weekday", "星期一")),
    (2, pgettext_lazy("weekday", "星期二")),
    (3, pgettext_lazy("weekday", "星期三")),
    (4, pgettext_lazy("weekday", "星期四")),
    (5, pgettext_lazy("weekday", "星期五")),
    (6, pgettext_lazy("weekday", "星期六")),
    (7, pgettext_lazy("weekday", "星期日")),
]
YES_NO = [("", "—"), ("1", _("是")), ("0", _("否"))]


def _prefix(key):
    return f"v_{key}"


class ReportForm(forms.Form):
    """One input per field of ``fields`` (a report's or a template's field list), the
    named readers and the version. Nothing is required here: drafts may be partial and
    the service checks required fields on submit."""

    readers = forms.ModelMultipleChoiceField(
        label=_("抄送人"),
        queryset=Employee.objects.none(),
        required=False,
        help_text=_("除您的上级外，还可以让这些同事查阅这份报告。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fields, author, **kwargs):
        super().__init__(*args, **kwargs)
        self.report_fields = fields
        self.fields["readers"].queryset = (
            Employee.objects.filter(status=Employee.Status.ACTIVE)
            .exclude(pk=author.pk)
            .order_by("name", "id")
        )
        self.fields["readers"].widget.attrs["data-testid"] = "report-readers"
        for field in fields:
            self.fields[_prefix(field["key"])] = self._input(field)

    def _input(self, field):
        label = field["label"] + (" *" if field.get("required") else "")
        common = {"label": label, "required": False, "help_text": field.get("help") or ""}
        kind = field["type"]
        attrs = {"data-testid": f"report-field-{field['key']}"}
        if kind == FieldType.TEXT:
            result = forms.CharField(
                max_length=rules.TEXT_LENGTH, widget=forms.TextInput(attrs=attrs), **common
            )
        elif kind == FieldType.TEXTAREA:
            attrs["rows"] = 4
            result = forms.CharField(
                max_length=rules.LONG_TEXT_LENGTH, widget=forms.Textarea(attrs=attrs), **common
            )
        elif kind == FieldType.NUMBER:
            decimals = field.get("decimals") or 0
            attrs.update(inputmode="decimal", step=str(10**-decimals) if decimals else "1")
            result = forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
        elif kind == FieldType.DATE:
            attrs["type"] = "date"
            result = forms.CharField(widget=forms.DateInput(attrs=attrs), **common)
        elif kind == FieldType.CHOICE:
            choices = [("", "—"), *((o, o) for o in field["options"])]
            result = forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs), **common)
        elif kind == FieldType.MULTI:
            result = forms.MultipleChoiceField(
                choices=[(o, o) for o in field["options"]],
                widget=forms.CheckboxSelectMultiple(attrs=attrs),
                **common,
            )
        else:
            result = forms.ChoiceField(
                choices=YES_NO, widget=forms.RadioSelect(attrs=attrs), **common
            )
        result.report_required = bool(field.get("required"))
        return result

    @staticmethod
    def initial_for(report):
        initial = {"readers": list(report.readers.all()), "version": report.version}
        for field in report.fields:
            value = (report.values or {}).get(field["key"])
            if field["type"] == FieldType.BOOL and value is not None:
                value = "1" if value else "0"
            initial[_prefix(field["key"])] = value
        return initial

    def values(self):
        data = {}
        for field in self.report_fields:
            value = self.cleaned_data.get(_prefix(field["key"]))
            if field["type"] == FieldType.BOOL:
                value = {"1": True, "0": False}.get(value)
            data[field["key"]] = value
        return data

    def refuse(self, exc):
        """Service errors keyed ``values.<key>`` go beside their inputs."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            exc = ValidationError(
                {
                    (_prefix(k[len("values.") :]) if k.startswith("values.") else k): v
                    for k, v in exc.error_dict.items()
                }
            )
        refuse(self, exc)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=500, required=False)
    period = forms.ChoiceField(label=_("周期"), choices=Period.choices)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    due_time = forms.TimeField(
        label=_("截止时间"), initial="18:00", widget=forms.TimeInput(attrs={"type": "time"})
    )
    due_weekday = forms.TypedChoiceField(
        label=_("周报截止星期"), choices=WEEKDAYS, coerce=int, initial=5
    )
    due_day = forms.IntegerField(
        label=_("月报/年报截止日"), min_value=1, max_value=31, initial=31,
        help_text=_("超过当月天数时按当月最后一天。"),
    )  # fmt: skip
    due_month = forms.IntegerField(label=_("年报截止月份"), min_value=1, max_value=12, initial=12)
    departments = forms.ModelMultipleChoiceField(
        label=_("适用部门"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("含下级部门；部门和角色都不选表示全员适用。"),
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("适用角色"), queryset=Role.objects.none(), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.order_by("path")
        self.fields["roles"].queryset = Role.objects.order_by("name")
        self.fields["name"].widget.attrs["data-testid"] = "template-name"
        self.fields["period"].widget.attrs["data-testid"] = "template-period"

    @staticmethod
    def initial_for(template):
        return {
            "name": template.name,
            "description": template.description,
            "period": template.period,
            "is_active": template.is_active,
            "due_time": template.due_time,
            "due_weekday": template.due_weekday,
            "due_day": template.due_day,
            "due_month": template.due_month,
            "departments": list(template.departments.all()),
            "roles": list(template.roles.all()),
            "version": template.version,
        }

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class FieldRowForm(forms.Form):
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("字段名称"), max_length=100, required=False)
    type = forms.ChoiceField(label=_("类型"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("必填"), required=False)
    help = forms.CharField(label=_("填写说明"), max_length=300, required=False)
    options = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("单选、多选用：每行一个。"),
    )
    decimals = forms.IntegerField(
        label=_("小数位数"), min_value=0, max_value=6, required=False, initial=0
    )

    def definition(self):
        data = self.cleaned_data
        if not data or not (data.get("label") or "").strip():
            return None
        return {
            "key": data.get("key") or "",
            "label": data["label"],
            "type": data["type"],
            "required": bool(data.get("required")),
            "help": data.get("help") or "",
            "options": [line.strip() for line in (data.get("options") or "").splitlines()],
            "decimals": data.get("decimals") or 0,
        }


FieldFormSet = forms.formset_factory(FieldRowForm, extra=3, max_num=rules.MAX_FIELDS)


def field_formset(data=None, template=None):
    initial = None
    if template is not None:
        initial = [{**f, "options": "\n".join(f.get("options") or [])} for f in template.fields]
    return FieldFormSet(data, initial=initial, prefix="fields")


def formset_definitions(formset):
    return [d for d in (form.definition() for form in formset.forms) if d is not None]


__all__ = ["ReportForm", "ReportTemplate", "TemplateForm", "field_formset"]
