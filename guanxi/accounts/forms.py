from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    org = forms.CharField(label=_("组织代码"), max_length=40, required=False)
    username = forms.CharField(label=_("用户名"), max_length=60)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=200)


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("两步验证码"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class TotpEnableForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=10)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("密钥名称"), max_length=100)


class SignupForm(forms.Form):
    org_code = forms.CharField(
        label=_("组织代码"), max_length=40, help_text=_("小写字母、数字和连字符，登录时使用。")
    )
    org_name = forms.CharField(label=_("公司名称"), max_length=200)
    admin_name = forms.CharField(label=_("您的姓名"), max_length=100)
    username = forms.CharField(label=_("管理员用户名"), max_length=60)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


def _language_choices():
    names = dict(settings.LANGUAGES)
    default = names.get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
    return [("", gettext("默认（%(language)s）") % {"language": default}), *settings.LANGUAGES]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("语言"),
        choices=_language_choices,
        required=False,
        help_text=_("界面和通知（站内、邮件）使用的语言。"),
    )
