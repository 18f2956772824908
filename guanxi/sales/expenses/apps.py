"""费用 (SPEC §4): expenses linked to customers and opportunities, with approval."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpensesConfig(AppConfig):
    name = "guanxi.sales.expenses"
    label = "expenses"
    verbose_name = _("费用")

    def ready(self):
        from guanxi.sales.expenses import integrations

        integrations.register()
