from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "guanxi.orgs"
    label = "orgs"
    verbose_name = _("组织与权限")

    def ready(self):
        from guanxi.orgs import audit_labels

        audit_labels.register()
