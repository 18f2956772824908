"""Shared builders for the work report tests."""

from guanxi.core.tenancy import org_scope
from guanxi.workspace.reports import services

DAILY_FIELDS = [
    {"key": "done", "label": "今日工作", "type": "textarea", "required": True},
    {"key": "visits", "label": "拜访客户数", "type": "number", "decimals": 0},
    {"key": "amount", "label": "成交金额", "type": "number", "decimals": 2},
    {"key": "next_day", "label": "下次拜访", "type": "date"},
    {"key": "mood", "label": "状态", "type": "choice", "options": ["好", "一般", "差"]},
    {"key": "topics", "label": "涉及产品", "type": "multi", "options": ["A", "B", "C"]},
    {"key": "help", "label": "需要支持", "type": "bool"},
    {"key": "title", "label": "一句话", "type": "text"},
]


def make_template(world, *, name="销售日报", period="daily", fields=None, **extra):
    with org_scope(world.org):
        return services.template_create(
            actor=world.admin,
            name=name,
            period=period,
            fields=fields if fields is not None else DAILY_FIELDS,
            **extra,
        )


def write(world, author, template, *, date="2026-12-02", submit=True, values=None, **extra):
    with org_scope(world.org):
        return services.report_create(
            actor=author,
            template=template,
            date=date,
            values=values if values is not None else {"done": "拜访了三家客户"},
            submit=submit,
            **extra,
        )
