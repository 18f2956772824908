from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "guanxi.sales.opportunities"
    label = "opportunities"
    verbose_name = _("商机")

    def ready(self):
        from guanxi.orgs import services as orgs_services
        from guanxi.sales.opportunities import integrations, services

        integrations.register()
        orgs_services.on_org_created(services.seed_default_pipeline)
