"""销售分析 (SPEC §4): funnel and stage conversion, win rate, cycle, deal size, top customers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "guanxi.sales.analysis"
    label = "sales_analysis"
    verbose_name = _("销售分析")
