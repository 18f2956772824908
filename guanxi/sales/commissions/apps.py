"""佣金 (SPEC §4): rules, statements per employee per period, approval and lock."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "guanxi.sales.commissions"
    label = "commissions"
    verbose_name = _("佣金")

    def ready(self):
        from guanxi.sales.commissions import integrations

        integrations.register()
