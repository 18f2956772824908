from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "guanxi.service.repairs"
    label = "repairs"
    verbose_name = _("产品维修")

    def ready(self):
        from guanxi.service.repairs import integrations

        integrations.register()
