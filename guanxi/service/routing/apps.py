from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "guanxi.service.routing"
    label = "service_routing"
    verbose_name = _("工单分配与SLA")

    def ready(self):
        from guanxi.service.routing import integrations

        integrations.register()
