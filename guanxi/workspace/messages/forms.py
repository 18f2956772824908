"""HTML forms of messages. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.workspace.messages.models import NAME_LENGTH


class MessageForm(forms.Form):
    # the length limit is the service's (one clear message for the page and the API)
    body = forms.CharField(
        label=_("消息"),
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("输入消息…"), "data-testid": "message-body-input"}
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "message_%s")
        super().__init__(*args, **kwargs)


def _employee_choices(employees):
    return [
        (str(e.pk), f"{e.name}（{e.department.name}）" if e.department_id else e.name)
        for e in employees
    ]


class DirectForm(forms.Form):
    recipient = forms.ChoiceField(label=_("发给"))
    body = forms.CharField(label=_("消息"), strip=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, employees=(), **kwargs):
        kwargs.setdefault("auto_id", "direct_%s")
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", "---------"), *_employee_choices(employees)]


class GroupForm(forms.Form):
    name = forms.CharField(label=_("群聊名称"), max_length=NAME_LENGTH)
    members = forms.MultipleChoiceField(
        label=_("成员"), widget=forms.SelectMultiple(attrs={"size": 8})
    )

    def __init__(self, *args, employees=(), **kwargs):
        kwargs.setdefault("auto_id", "group_%s")
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = _employee_choices(employees)


class MembersForm(forms.Form):
    members = forms.MultipleChoiceField(
        label=_("添加成员"), widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args, employees=(), **kwargs):
        kwargs.setdefault("auto_id", "members_%s")
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = _employee_choices(employees)
