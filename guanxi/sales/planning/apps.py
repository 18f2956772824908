"""销售计划与销售预测 (SPEC §4): targets per employee/department and period, actual vs
target, the weighted forecast."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "guanxi.sales.planning"
    label = "planning"
    verbose_name = _("销售计划与预测")

    def ready(self):
        from guanxi.sales.planning import integrations

        integrations.register()
