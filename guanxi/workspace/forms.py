"""HTML forms of follow-ups and files. They parse input; ``services`` validate and write."""

from django import forms
from django.urls import reverse_lazy
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
    # "@" and a name lists colleagues to mention (messaging.js); picking one inserts
    # a stable @[姓名](employee:ID) token, see ``messages.mentions``
    content = forms.CharField(
        label=_("跟进内容"),
        max_length=5000,
        help_text=_("输入 @ 和姓名可以提及同事，他们会收到通知。"),
        widget=forms.Textarea(
            attrs={"rows": 3, "data-mention-source": reverse_lazy("messaging:people")}
        ),
    )
    next_followup_on = forms.DateField(
        label=_("下次跟进日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    next_followup_note = forms.CharField(label=_("下次跟进事项"), max_length=200, required=False)
    outcome = forms.CharField(
        label=_("跟进结果"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    participants = forms.MultipleChoiceField(
        label=_("参与人"), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    participant_contacts = forms.MultipleChoiceField(
        label=_("客户方参与人"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, contacts=(), employees=None, pick_contact=True, **kwargs):
        """``contacts``: the customer's people the employee may pick (None: the follow-up
        has no customer, so no contact fields); ``employees``: colleagues who may take
        part (None: no such field, as on the timeline's quick form); ``pick_contact``:
        False when the follow-up is on a contact (it is the contact)."""
        kwargs.setdefault("auto_id", "activity_%s")
        super().__init__(*args, **kwargs)
        self._contacts = {str(contact.pk): contact for contact in contacts or ()}
        self._employees = {str(employee.pk): employee for employee in employees or ()}
        contact_choices = [(str(contact.pk), contact.name) for contact in contacts or ()]
        if pick_contact and contacts is not None:
            self.fields["contact"].choices = [BLANK, *contact_choices]
        else:
            del self.fields["contact"]
        if contact_choices:
            self.fields["participant_contacts"].choices = contact_choices
        else:
            del self.fields["participant_contacts"]
        if employees is None:
            del self.fields["participants"]
        else:
            self.fields["participants"].choices = [
                (str(employee.pk), employee.name) for employee in employees
            ]
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def service_kwargs(self):
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        if "contact" in data:
            data["contact"] = self._contacts.get(data.get("contact") or "")
        if "participant_contacts" in data:
            data["participant_contacts"] = [
                self._contacts[pk] for pk in data["participant_contacts"]
            ]
        if "participants" in data:
            data["participants"] = [self._employees[pk] for pk in data["participants"]]
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
            "outcome": activity.outcome,
            "participants": [str(pk) for pk in activity.participant_ids],
            "participant_contacts": [str(pk) for pk in activity.participant_contact_ids],
            "version": activity.version,
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("文件"), allow_empty_file=True)  # the service says why

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)
