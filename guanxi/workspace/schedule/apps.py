from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScheduleConfig(AppConfig):
    name = "guanxi.workspace.schedule"
    label = "schedule"
    verbose_name = _("日程")

    def ready(self):
        from guanxi.workspace.schedule import panels

        panels.register()
        panels.register_handover()
