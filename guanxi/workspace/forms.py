"""HTML forms of follow-ups and files. They parse input; ``services`` validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.workspace.models import Activity

BLANK = ("", "---------")
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("跟进方式"), choices=Activity.Kind.choices)
    occurred_at = forms.DateTimeField(
        label=_("跟进时间"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    contact = forms.ChoiceField(label=_("联系人"), required=False)
    subject = forms.CharField(label=_("主题"), max_length=200, required=False)
    content = forms.CharField(
        label=_("跟进内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_followup_on = forms.DateField(
        label=_("下次跟进日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    next_followup_note = forms.CharField(label=_("下次跟进事项"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, contacts=(), **kwargs):
        kwargs.setdefault("auto_id", "activity_%s")
        super().__init__(*args, **kwargs)
        self._contacts = {str(contact.pk): contact for contact in contacts}
        self.fields["contact"].choices = [BLANK] + [
            (str(contact.pk), contact.name) for contact in contacts
        ]
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def service_kwargs(self):
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        data["contact"] = self._contacts.get(data.get("contact") or "")
        return data

    @classmethod
    def initial_for(cls, activity):
        return {
            "kind": activity.kind,
            "occurred_at": timezone.localtime(activity.occurred_at),
            "contact": str(activity.contact_id or ""),
            "subject": activity.subject,
            "content": activity.content,
            "next_followup_on": activity.next_followup_on,
            "next_followup_note": activity.next_followup_note,
            "version": activity.version,
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("文件"), allow_empty_file=True)  # the service says why

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)
