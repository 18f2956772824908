from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "guanxi.sales.orders"
    label = "orders"
    verbose_name = _("销售订单")

    def ready(self):
        from guanxi.sales.orders import integrations

        integrations.register()
