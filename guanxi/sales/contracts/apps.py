from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "guanxi.sales.contracts"
    label = "contracts"
    verbose_name = _("合同")

    def ready(self):
        from guanxi.sales.contracts import integrations

        integrations.register()
