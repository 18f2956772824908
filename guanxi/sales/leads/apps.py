"""线索 (SPEC §4)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.sales.leads"
    label = "leads"
    verbose_name = _("线索")

    def ready(self):
        from guanxi.sales.leads import integrations, jobs  # noqa: F401 - jobs: the rescore job

        integrations.register()
