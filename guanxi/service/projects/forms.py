"""HTML forms of service projects, milestones, tasks and time entries. They parse
input; the ``services`` validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.service.projects.models import ProjectTask, ServiceProject

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "—")
HOURS = {"max_digits": 8, "decimal_places": 2, "min_value": 0}


def _style(form, prefix):
    for name, field in form.fields.items():
        field.widget.attrs.setdefault("data-testid", f"{prefix}-{name.replace('_', '-')}")
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.SelectMultiple):
            field.widget.attrs.setdefault("class", "form-select")
            field.widget.attrs.setdefault("size", "6")
        elif isinstance(field, forms.ChoiceField):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


def _choices(records, label=str):
    return [BLANK] + [(record.pk, label(record)) for record in records]


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=200, required=False)
    customer = forms.TypedChoiceField(label=_("客户"), coerce=int, required=False, empty_value=None)
    contact = forms.TypedChoiceField(
        label=_("联系人"), coerce=int, required=False, empty_value=None
    )
    service_contract = forms.TypedChoiceField(
        label=_("服务合同"), coerce=int, required=False, empty_value=None
    )
    owner = forms.TypedChoiceField(
        label=_("项目经理"), coerce=int, required=False, empty_value=None
    )
    members = forms.TypedMultipleChoiceField(label=_("项目成员"), coerce=int, required=False)
    start_date = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    due_date = forms.DateField(label=_("计划完成日期"), required=False, widget=DATE)
    budget_hours = forms.DecimalField(label=_("预算工时"), required=False, **HOURS)
    description = forms.CharField(
        label=_("项目说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, contacts, contracts, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _choices(customers, lambda c: c.name)
        self.fields["contact"].choices = _choices(contacts, lambda c: c.name)
        self.fields["service_contract"].choices = _choices(
            contracts, lambda c: f"{c.code} {c.title}"
        )
        self.fields["owner"].choices = _choices(colleagues, lambda e: e.name)
        self.fields["members"].choices = [(e.pk, e.name) for e in colleagues]
        _style(self, "project")

    @classmethod
    def initial_for(cls, project: ServiceProject, members):
        return {
            "name": project.name,
            "customer": project.customer_id,
            "contact": project.contact_id,
            "service_contract": project.service_contract_id,
            "owner": project.owner_id,
            "members": [person.pk for person in members],
            "start_date": project.start_date,
            "due_date": project.due_date,
            "budget_hours": project.budget_hours,
            "description": project.description,
            "version": project.version,
        }


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("里程碑"), max_length=200)
    due_date = forms.DateField(label=_("计划日期"), widget=DATE)
    notes = forms.CharField(label=_("备注"), required=False, max_length=10000)

    def __init__(self, *args, prefix_id="milestone", **kwargs):
        super().__init__(*args, **kwargs)
        _style(self, prefix_id)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    milestone = forms.TypedChoiceField(
        label=_("里程碑"), coerce=int, required=False, empty_value=None
    )
    assignee = forms.TypedChoiceField(
        label=_("负责人"), coerce=int, required=False, empty_value=None
    )
    planned_hours = forms.DecimalField(label=_("计划工时"), required=False, **HOURS)
    due_date = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    description = forms.CharField(
        label=_("任务说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, milestones, colleagues, prefix_id="task", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = _choices(milestones, lambda m: m.name)
        self.fields["assignee"].choices = _choices(colleagues, lambda e: e.name)
        _style(self, prefix_id)

    @classmethod
    def initial_for(cls, task: ProjectTask):
        return {
            "title": task.title,
            "milestone": task.milestone_id,
            "assignee": task.assignee_id,
            "planned_hours": task.planned_hours,
            "due_date": task.due_date,
            "description": task.description,
        }


class TimeEntryForm(forms.Form):
    work_date = forms.DateField(label=_("工作日期"), widget=DATE, initial=timezone.localdate)
    hours = forms.DecimalField(
        label=_("工时（小时）"), max_digits=4, decimal_places=2, min_value=0, max_value=24
    )
    task = forms.TypedChoiceField(label=_("项目任务"), coerce=int, required=False, empty_value=None)
    employee = forms.TypedChoiceField(label=_("员工"), coerce=int, required=False, empty_value=None)
    billable = forms.BooleanField(label=_("可计费"), required=False, initial=True)
    note = forms.CharField(label=_("工作内容"), max_length=500, required=False)

    def __init__(self, *args, tasks, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = _choices(tasks, lambda t: t.title)
        self.fields["employee"].choices = _choices(colleagues, lambda e: e.name)
        _style(self, "entry")


class MemberForm(forms.Form):
    employee = forms.TypedChoiceField(label=_("员工"), coerce=int)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].choices = _choices(colleagues, lambda e: e.name)
        _style(self, "member")
