"""The compose / edit form of an announcement."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.orgs.models import Department
from guanxi.workspace.announcements.models import BODY_LENGTH, TITLE_LENGTH, Announcement


def department_choices():
    """The org's departments in tree order, indented by depth (one query)."""
    return [
        (str(pk), "　" * depth + name)
        for pk, name, depth in Department.objects.order_by("path").values_list(
            "pk", "name", "depth"
        )
    ]


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=TITLE_LENGTH)
    body = forms.CharField(
        label=_("正文"),
        required=False,
        max_length=BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("空一行分段；行首写“- ”成列表；**文字** 加粗；网址自动成为链接。"),
    )
    audience = forms.ChoiceField(
        label=_("发布范围"),
        choices=Announcement.Audience.choices,
        initial=Announcement.Audience.ALL,
        widget=forms.RadioSelect,
    )
    departments = forms.MultipleChoiceField(
        label=_("部门"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    include_children = forms.BooleanField(label=_("包含下级部门"), required=False, initial=True)
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    expires_at = forms.DateTimeField(
        label=_("过期时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("过期后不再显示在员工的公告列表中。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = department_choices()

    @classmethod
    def initial_for(cls, announcement):
        expires = announcement.expires_at
        return {
            "title": announcement.title,
            "body": announcement.body,
            "audience": announcement.audience,
            "departments": [str(d.pk) for d in announcement.departments.all()],
            "include_children": announcement.include_children,
            "pinned": announcement.pinned,
            "expires_at": timezone.localtime(expires) if expires else None,
            "version": announcement.version,
        }

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "audience": data["audience"],
            "departments": [int(pk) for pk in data["departments"]],
            "include_children": data["include_children"],
            "pinned": data["pinned"],
            "expires_at": data["expires_at"],
        }
