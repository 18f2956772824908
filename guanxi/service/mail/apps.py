from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceMailConfig(AppConfig):
    name = "guanxi.service.mail"
    label = "service_mail"
    verbose_name = _("邮件渠道")
