from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceContractsConfig(AppConfig):
    name = "guanxi.service.contracts"
    label = "service_contracts"
    verbose_name = _("服务合同")

    def ready(self):
        from guanxi.service.contracts import integrations

        integrations.register()
