"""Work report list filters (API): author, template, period, status."""

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.workspace.reports.models import ReportTemplate, WorkReport


class WorkReportFilter(django_filters.FilterSet):
    author = IdFilter(field_name="author_id", label=_("作者"))
    template = IdFilter(field_name="template_id", label=_("模板"))
    period_start = django_filters.DateFilter(field_name="period_start", label=_("周期开始"))
    status = django_filters.ChoiceFilter(choices=WorkReport.Status.choices, label=_("状态"))

    class Meta:
        model = WorkReport
        fields = ["author", "template", "period_start", "status"]


class ReportTemplateFilter(django_filters.FilterSet):
    period = django_filters.ChoiceFilter(
        choices=ReportTemplate._meta.get_field("period").choices, label=_("周期")
    )
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = ReportTemplate
        fields = ["period", "is_active"]
