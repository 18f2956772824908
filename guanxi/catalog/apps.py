from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "guanxi.catalog"
    label = "catalog"
    verbose_name = _("产品")

    def ready(self):
        # registers the catalogue's job kinds with guanxi.jobs
        from guanxi.catalog import jobs  # noqa: F401
