from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "guanxi.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self):
        # register the app's job kinds (the change-log export)
        from guanxi.audit import jobs  # noqa: F401
