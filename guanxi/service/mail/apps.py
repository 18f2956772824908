from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceMailConfig(AppConfig):
    name = "guanxi.service.mail"
    label = "service_mail"
    verbose_name = _("邮件渠道")

    def ready(self):
        from django.utils.translation import pgettext_lazy

        from guanxi.service.mail import jobs  # noqa: F401 - registers the "poll now" job
        from guanxi.workspace.notifications import kinds

        kinds.register(
            "mailbox_failure",
            pgettext_lazy("notification kind", "服务邮箱收信故障"),
            default_channels=(kinds.APP, kinds.EMAIL),
            robot=False,
        )
