"""应收与回款 (SPEC §4)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "guanxi.sales.receivables"
    label = "receivables"
    verbose_name = _("应收与回款")

    def ready(self):
        from guanxi.sales.receivables import integrations

        integrations.register()
