from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "guanxi.sales.quotes"
    label = "quotes"
    verbose_name = _("报价")

    def ready(self):
        from guanxi.sales.quotes import integrations

        integrations.register()
