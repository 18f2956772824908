from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "guanxi.workspace.approvals"
    label = "approvals"
    verbose_name = _("审批")

    def ready(self):
        from guanxi.orgs import services as orgs_services
        from guanxi.workspace.approvals import requisitions, services

        requisitions.register()
        # a leaver's open approval steps go to their manager at once (the 15-minute job
        # catches leavers marked some other way)
        orgs_services.on_leave(services.reroute_for_leaver)
