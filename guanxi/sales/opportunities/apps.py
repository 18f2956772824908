from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "guanxi.sales.opportunities"
    label = "opportunities"
    verbose_name = _("商机")

    def ready(self):
        from guanxi.sales.opportunities import integrations

        integrations.register()
