from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstalledProductsConfig(AppConfig):
    name = "guanxi.service.installed"
    label = "installed_products"
    verbose_name = _("安装档案")

    def ready(self):
        from guanxi.service.installed import integrations

        integrations.register()
