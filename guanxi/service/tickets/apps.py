from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "guanxi.service.tickets"
    label = "tickets"
    verbose_name = _("服务工单")

    def ready(self):
        from guanxi.service.tickets import integrations

        integrations.register()
