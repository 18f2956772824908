"""Forms of the notification screens; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.orgs.models import Department
from guanxi.workspace.notifications import kinds
from guanxi.workspace.notifications.models import Robot


class RobotForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    platform = forms.ChoiceField(label=_("平台"), choices=Robot.Platform.choices)
    webhook_url = forms.CharField(
        label=_("Webhook 地址"),
        max_length=500,
        required=False,
        help_text=_("在群设置里添加自定义机器人后复制的地址，以 http:// 或 https:// 开头。"),
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("钉钉“加签”或飞书“签名校验”的密钥；不需要签名时留空。"),
    )
    department = forms.ModelChoiceField(
        label=_("部门"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("全公司"),
        help_text=_("选了部门，只转发该部门及下级部门员工的提醒。"),
    )
    kinds = forms.MultipleChoiceField(
        label=_("转发的提醒类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则转发所有可转发的类型。员工还需在“通知设置”里为该类型选择“群机器人”。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, robot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.robot = robot
        self.fields["department"].queryset = Department.objects.order_by("path")
        self.fields["kinds"].choices = [(k.code, k.label) for k in kinds.all_kinds() if k.robot]
        if robot is None:
            self.fields["webhook_url"].required = True
        else:
            self.fields["webhook_url"].help_text = _(
                "已保存的地址不再显示（%(hint)s）；留空则保持不变。"
            ) % {"hint": robot.webhook_hint}
            if robot.secret:
                self.fields["secret"].help_text = _("已设置密钥；留空则保持不变。")

    @classmethod
    def initial_for(cls, robot):
        return {
            "name": robot.name,
            "platform": robot.platform,
            "department": robot.department_id,
            "kinds": robot.kinds,
            "is_active": robot.is_active,
            "version": robot.version,
        }

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if self.robot is not None and not data.get("webhook_url"):
            data.pop("webhook_url", None)
        if not data.get("secret"):
            data.pop("secret", None)
        return data
