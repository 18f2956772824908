"""Isolation-matrix samples (see guanxi/api/tests/matrix.py).

A work report is its author's own writing: only the author changes it, so the sample
report is the admin's (the matrix's positive control PATCHes as the admin). The data
scope of reports (a rep cannot see a colleague's report in another department, the
manager up the chain can) is proven in ``test_selectors`` and ``test_api``."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.workspace.reports import services
from guanxi.workspace.reports.models import ReportTemplate

FIELDS = [
    {"label": "今日工作", "type": "textarea", "required": True},
    {"label": "拜访客户数", "type": "number"},
]


def _template(world):
    with org_scope(world.org):
        template = ReportTemplate.objects.filter(name="样本日报").first()
        if template is None:
            template = services.template_create(
                actor=world.admin, name="样本日报", period="daily", fields=FIELDS
            )
        return template


@sample(
    "work-report-template",
    change={"name": "改过的模板"},
    check_field="name",
    create=lambda w: {
        "name": "新模板",
        "period": "weekly",
        "fields": [{"label": "本周总结", "type": "textarea", "required": True}],
    },
)
def build_template(world):
    return _template(world)


def _create_report(world):
    with org_scope(world.org):
        template = ReportTemplate.objects.get(name="样本日报")
    return {"template": template.pk, "date": "2026-01-05", "values": {"f1": "写了报告"}}


@sample(
    "work-report",
    change={"values": {"f1": "改过的内容", "f2": "3"}},
    check_field="values",
    create=_create_report,
)
def build_report(world):
    template = _template(world)
    with org_scope(world.org):
        return services.report_create(
            actor=world.admin,
            template=template,
            date="2026-01-06",
            values={"f1": "样本报告", "f2": 2},
            submit=True,
        )
