from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "guanxi.workspace.approvals"
    label = "approvals"
    verbose_name = _("审批")

    def ready(self):
        from guanxi.workspace.approvals import requisitions

        requisitions.register()
