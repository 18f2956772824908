"""Demo data of work reports: three templates (销售日报, 销售周报, 月度总结) and today's
daily reports of staff who have a manager — most submitted, one left as a draft — with a
manager's comment and score on the first. Called by the project's demo seed inside the
demo org's scope; a second run adds nothing."""

from django.utils import timezone

from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace.reports import selectors, services
from guanxi.workspace.reports.models import ReportTemplate, WorkReport

DAILY = [
    {"key": "done", "label": "今日工作", "type": "textarea", "required": True},
    {"key": "visits", "label": "拜访客户数", "type": "number", "decimals": 0},
    {"key": "amount", "label": "今日签单金额（元）", "type": "number", "decimals": 2},
    {"key": "plan", "label": "明日计划", "type": "textarea", "required": True},
    {"key": "help", "label": "需要支持", "type": "bool"},
]
WEEKLY = [
    {"key": "summary", "label": "本周总结", "type": "textarea", "required": True},
    {"key": "progress", "label": "目标进度", "type": "choice", "options": ["超前", "正常", "落后"]},
    {"key": "risks", "label": "风险与问题", "type": "textarea"},
    {"key": "next", "label": "下周计划", "type": "textarea", "required": True},
]
MONTHLY = [
    {"key": "summary", "label": "本月总结", "type": "textarea", "required": True},
    {
        "key": "products",
        "label": "主推产品",
        "type": "multi",
        "options": ["门窗", "幕墙", "五金", "服务"],
    },
    {"key": "next_review", "label": "下次复盘日期", "type": "date"},
]
SAMPLES = (
    (
        "拜访杭州西湖茶业，确认二期报价；电话回访三家老客户。",
        3,
        "28000",
        "跟进绿城项目的合同条款。",
    ),
    ("参加宁波建材展，收集线索 12 条。", 5, None, "整理展会线索并分配。"),
    ("处理苏州客户的售后问题，安排上门检修。", 2, "6500", "回访检修结果。"),
    ("准备季度经营分析材料。", 0, None, "向王经理汇报季度数据。"),
)


def seed(admin):
    """Templates and today's reports; returns how many reports were written."""
    if ReportTemplate.objects.exists():
        return 0
    daily = services.template_create(
        actor=admin, name="销售日报", period="daily", due_time="18:00", fields=DAILY
    )
    services.template_create(
        actor=admin, name="销售周报", period="weekly", due_weekday=5, due_time="17:00",
        fields=WEEKLY,
    )  # fmt: skip
    services.template_create(
        actor=admin, name="月度总结", period="monthly", due_day=31, due_time="18:00",
        fields=MONTHLY,
    )  # fmt: skip
    staff = list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, manager__isnull=False)
        .exclude(pk=admin.pk)
        .select_related("manager", "department")
        .prefetch_related("roles")
        .order_by("pk")[: len(SAMPLES)]
    )
    daily = ReportTemplate.objects.prefetch_related("departments", "roles").get(pk=daily.pk)
    today = timezone.localdate()
    made = 0
    for index, ((done, visits, amount, plan), employee) in enumerate(
        zip(SAMPLES, staff, strict=False)
    ):
        if not selectors.applies_to(daily, employee):
            continue
        if not policy.can(employee, "work_reports.create"):
            continue
        report = services.report_create(
            actor=employee,
            template=daily,
            date=today,
            values={"done": done, "visits": visits, "amount": amount, "plan": plan, "help": False},
            submit=len(staff) == 1 or index < len(staff) - 1,
        )
        made += 1
        if index == 0 and report.status == WorkReport.Status.SUBMITTED:
            services.report_comment(
                actor=employee.manager, report=report, body="报价注意账期条款，有问题随时沟通。"
            )
            services.report_score(actor=employee.manager, report=report, score=4, note="思路清晰")
    return made
