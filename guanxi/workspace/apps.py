from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "guanxi.workspace"
    label = "workspace"
    verbose_name = _("工作台")

    def ready(self):
        from guanxi.workspace import panels, start, targets

        panels.register()
        targets.register_builtin()
        start.register_workspace_cards()
