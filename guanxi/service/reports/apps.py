from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceReportsConfig(AppConfig):
    name = "guanxi.service.reports"
    label = "service_reports"
    verbose_name = _("服务报表")
