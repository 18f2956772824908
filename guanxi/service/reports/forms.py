"""The filters of the service reports, shared by the screen and the API: a period (a
preset or explicit dates), team, agent, category, product, channel, priority, and the
breakdown dimension. ``filters()`` turns valid input into ``Filters``."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import Product
from guanxi.orgs.models import Department, DictionaryEntry, Employee
from guanxi.sales.analysis.forms import MAX_RANGE_DAYS, PRESETS, preset_range
from guanxi.service.reports.selectors import Filters
from guanxi.service.tickets.models import Ticket

DIMENSION_CHOICES = (
    ("assignee", _("处理人")),
    ("team", _("服务团队")),
    ("category", _("工单类别")),
    ("product", _("产品")),
    ("channel", _("渠道")),
    ("priority", _("优先级")),
    ("month", _("月份")),
)


class ReportFilterForm(forms.Form):
    preset = forms.ChoiceField(label=_("期间"), choices=PRESETS, required=False)
    start = forms.DateField(label=_("开始日期"), required=False)
    end = forms.DateField(label=_("结束日期"), required=False)
    team = forms.ModelChoiceField(
        label=_("服务团队"), queryset=Department.objects.none(), required=False
    )
    assignee = forms.ModelChoiceField(
        label=_("处理人"), queryset=Employee.objects.none(), required=False
    )
    category = forms.ChoiceField(label=_("工单类别"), choices=(), required=False)
    product = forms.ModelChoiceField(
        label=_("产品"), queryset=Product.objects.none(), required=False
    )
    channel = forms.ChoiceField(
        label=_("渠道"), choices=(("", "—"), *Ticket.Channel.choices), required=False
    )
    priority = forms.ChoiceField(
        label=_("优先级"), choices=(("", "—"), *Ticket.Priority.choices), required=False
    )
    by = forms.ChoiceField(label=_("分析维度"), choices=DIMENSION_CHOICES, required=False)

    def __init__(self, data=None, *, today=None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        # org-scoped managers: only the reading employee's org is offered or accepted
        self.fields["team"].queryset = Department.objects.order_by("path")
        self.fields["assignee"].queryset = Employee.objects.order_by("name", "id")
        self.fields["product"].queryset = Product.objects.order_by("name", "id")
        self.fields["category"].choices = [
            ("", "—"),
            *(
                (entry.code, entry.display_label)
                for entry in DictionaryEntry.objects.filter(kind="ticket_category").order_by(
                    "sort_order", "id"
                )
            ),
        ]
        self.fields["team"].error_messages["invalid_choice"] = _("部门不存在。")
        self.fields["assignee"].error_messages["invalid_choice"] = _("员工不存在。")
        self.fields["product"].error_messages["invalid_choice"] = _("产品不存在。")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        preset = data.get("preset") or ""
        if preset and preset != "custom":
            data["start"], data["end"] = preset_range(preset, self.today)
        elif start or end or preset == "custom":
            if not start:
                self.add_error("start", _("请填写开始日期。"))
            if not end:
                self.add_error("end", _("请填写结束日期。"))
            if start and end and start > end:
                self.add_error("end", _("结束日期不能早于开始日期。"))
            if start and end and (end - start).days >= MAX_RANGE_DAYS:
                self.add_error("end", _("统计期间不能超过十年。"))
            data["preset"] = "custom"
        else:
            data["preset"] = "this_month"
            data["start"], data["end"] = preset_range("this_month", self.today)
        return data

    def filters(self):
        """The valid input as ``Filters`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            team=data.get("team"),
            assignee=data.get("assignee"),
            category=data.get("category") or "",
            product=data.get("product"),
            channel=data.get("channel") or "",
            priority=data.get("priority") or "",
        )

    @property
    def dimension(self):
        return self.cleaned_data.get("by") or "assignee"


def parse(data, *, today=None):
    """A valid form for ``data`` (a QueryDict), or a ``ValidationError`` with field errors."""
    form = ReportFilterForm(data, today=today)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form
