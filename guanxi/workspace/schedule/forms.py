"""The task and event form. It parses input; ``services`` validate and write."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.workspace.schedule.models import (
    LOCATION_LENGTH,
    NOTES_LENGTH,
    TITLE_LENGTH,
    Event,
    Task,
)

REMINDERS = [
    ("", _("不提醒")),
    ("0", _("到时提醒")),
    ("5", _("提前 5 分钟")),
    ("15", _("提前 15 分钟")),
    ("30", _("提前 30 分钟")),
    ("60", _("提前 1 小时")),
    ("1440", _("提前 1 天")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# the service's field → the form's field that shows its error
ERROR_FIELDS = {"starts_at": "start_date", "ends_at": "end_date", "due_at": "due_date"}


class ItemForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=TITLE_LENGTH)
    all_day = forms.BooleanField(label=_("全天"), required=False)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), required=False, widget=TIME)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    end_time = forms.TimeField(label=_("结束时间"), required=False, widget=TIME)
    due_date = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    due_time = forms.TimeField(label=_("截止时间"), required=False, widget=TIME)
    priority = forms.ChoiceField(label=_("优先级"), choices=Task.Priority.choices)
    location = forms.CharField(label=_("地点"), max_length=LOCATION_LENGTH, required=False)
    assignee = forms.ChoiceField(label=_("负责人"))
    participants = forms.MultipleChoiceField(
        label=_("参与人"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    reminder_minutes = forms.ChoiceField(label=_("提醒"), choices=REMINDERS, required=False)
    notes = forms.CharField(
        label=_("备注"),
        max_length=NOTES_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind, assignees, employees, **kwargs):
        """``kind``: "task" or "event"; ``assignees``: whom the editor may give it to;
        ``employees``: who may take part."""
        kwargs.setdefault("auto_id", "item_%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self._employees = {str(e.pk): e for e in employees}
        self._assignees = {str(e.pk): e for e in assignees}
        self.fields["assignee"].choices = [(str(e.pk), e.name) for e in assignees]
        self.fields["participants"].choices = [(str(e.pk), e.name) for e in employees]
        if kind == "task":
            for name in ("start_date", "start_time", "end_date", "end_time", "location"):
                del self.fields[name]
        else:
            for name in ("due_date", "due_time", "priority"):
                del self.fields[name]

    @staticmethod
    def initial_for(item):
        """The form's values for an existing task or event."""
        data = {
            "title": item.title,
            "all_day": item.all_day,
            "assignee": str(item.assignee_id or ""),
            "participants": [str(p.pk) for p in item.participants.all()],
            "reminder_minutes": "" if item.reminder_minutes is None else str(item.reminder_minutes),
            "notes": item.notes,
            "version": item.version,
        }
        if isinstance(item, Task):
            data["priority"] = item.priority
            if item.due_at:
                local = timezone.localtime(item.due_at)
                data["due_date"] = local.date()
                data["due_time"] = None if item.all_day else local.time()
        elif isinstance(item, Event):
            start = timezone.localtime(item.starts_at)
            end = timezone.localtime(item.ends_at)
            if item.all_day:  # the form shows the last day, the record keeps the day after
                end = end - datetime.timedelta(days=1)
            data.update(
                start_date=start.date(),
                start_time=None if item.all_day else start.time(),
                end_date=end.date(),
                end_time=None if item.all_day else end.time(),
                location=item.location,
            )
        return data

    def service_fields(self):
        """The cleaned values as the service's keyword arguments."""
        data = self.cleaned_data
        all_day = bool(data.get("all_day"))

        def moment(day, time, default):
            if day is None:
                return None
            at = datetime.time.min if all_day else (time or default)
            return timezone.make_aware(datetime.datetime.combine(day, at))

        minutes = data.get("reminder_minutes")
        fields = {
            "title": data["title"],
            "all_day": all_day,
            "notes": data.get("notes", ""),
            "assignee": self._assignees.get(data.get("assignee")),
            "participants": [
                self._employees[pk] for pk in data.get("participants", []) if pk in self._employees
            ],
            "reminder_minutes": int(minutes) if minutes else None,
        }
        if self.kind == "task":
            fields["due_at"] = moment(data.get("due_date"), data.get("due_time"), datetime.time(9))
            fields["priority"] = data["priority"]
        else:
            starts = moment(data["start_date"], data.get("start_time"), datetime.time(9))
            end_day = data.get("end_date") or data["start_date"]
            if all_day:
                ends = moment(end_day + datetime.timedelta(days=1), None, None)
            elif data.get("end_time") or data.get("end_date"):
                ends = moment(end_day, data.get("end_time"), starts.timetz() if starts else None)
            else:
                ends = starts + datetime.timedelta(hours=1) if starts else None
            fields.update(starts_at=starts, ends_at=ends, location=data.get("location", ""))
        return fields
