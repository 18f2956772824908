from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkReportsConfig(AppConfig):
    name = "guanxi.workspace.reports"
    label = "work_reports"
    verbose_name = _("工作报告")

    def ready(self):
        from django.utils.translation import pgettext_lazy

        from guanxi.workspace import start
        from guanxi.workspace.notifications import kinds
        from guanxi.workspace.reports import selectors

        kinds.register(
            "work_report_due", pgettext_lazy("notification kind", "工作报告待提交"), robot=False
        )
        kinds.register(
            "work_report_comment", pgettext_lazy("notification kind", "工作报告评论"), robot=False
        )
        kinds.register(
            "work_report_score", pgettext_lazy("notification kind", "工作报告评分"), robot=False
        )
        start.register(
            "work_reports",
            template="work_reports/_due_card.html",
            context=selectors.due_card,
            order=35,
        )
