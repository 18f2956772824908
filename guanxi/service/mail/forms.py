"""HTML forms of the e-mail channel. They parse input; ``services`` validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.service.mail.models import Mailbox, Security

KEEP = _("留空则保留已保存的密码")


class MailboxForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    active = forms.BooleanField(
        label=_("启用（每分钟收信）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    imap_host = forms.CharField(label=_("IMAP 服务器"), max_length=200)
    imap_port = forms.IntegerField(label=_("IMAP 端口"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(
        label=_("IMAP 加密"), choices=Security.choices, initial=Security.SSL
    )
    imap_user = forms.CharField(label=_("IMAP 用户名"), max_length=200)
    imap_password = forms.CharField(
        label=_("IMAP 密码"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_folder = forms.CharField(
        label=_("收件文件夹"), max_length=200, required=False, initial="INBOX"
    )
    smtp_host = forms.CharField(
        label=_("SMTP 服务器"),
        max_length=200,
        required=False,
        help_text=_("留空则客服的回复不通过邮件发出。"),
    )
    smtp_port = forms.IntegerField(label=_("SMTP 端口"), min_value=1, max_value=65535, initial=465)
    smtp_security = forms.ChoiceField(
        label=_("SMTP 加密"), choices=Security.choices, initial=Security.SSL
    )
    smtp_user = forms.CharField(label=_("SMTP 用户名"), max_length=200, required=False)
    smtp_password = forms.CharField(
        label=_("SMTP 密码"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    from_address = forms.EmailField(label=_("发件地址"))
    from_name = forms.CharField(label=_("发件人名称"), max_length=100, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, mailbox: Mailbox | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("imap_password", "smtp_password"):
            stored = mailbox is not None and getattr(mailbox, name)
            self.fields[name].help_text = KEEP if stored else ""
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    @staticmethod
    def initial_for(mailbox: Mailbox):
        names = [
            "name", "active", "imap_host", "imap_port", "imap_security", "imap_user",
            "imap_folder", "smtp_host", "smtp_port", "smtp_security", "smtp_user",
            "from_address", "from_name", "version",
        ]  # fmt: skip
        return {name: getattr(mailbox, name) for name in names}

    def values(self):
        data = dict(self.cleaned_data)
        version = data.pop("version", None)
        return version, data


class CreateTicketForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("客户"), coerce=int, empty_value=None)
    contact = forms.TypedChoiceField(
        label=_("联系人"), coerce=int, required=False, empty_value=None
    )
    subject = forms.CharField(label=_("主题"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("工单类别"), required=False)

    def __init__(self, *args, customers, contacts, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—")] + [(c.pk, c.name) for c in customers]
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.name) for c in contacts]
        self.fields["category"].choices = categories
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
