from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "guanxi.catalog"
    label = "catalog"
    verbose_name = _("产品")

    def ready(self):
        from guanxi.catalog import jobs  # noqa: F401 - registers the catalogue's job kinds
        from guanxi.orgs import custom_fields

        custom_fields.register_entity("product", label=_("产品"), module="products")
