"""Demo data of routing and SLAs: two queues — 售后维修组 (repair, installation, returns; the
after-sales support team) and 咨询投诉组 (consultation, complaints; the call centre, the
default queue) — and the SLA policies: urgent 30 minutes / 4 hours and high 1 hour / 8
hours round the clock, normal within the 24-hour reply promise and resolved in 3 working
days, low in 2 / 5 working days, and tighter ones for key accounts (重点客户); and the
work calendar of 2026's public holidays and make-up working days (demo data: an org
checks them against the State Council's notice). Called by
the project's demo seed inside the demo org's scope after the employees; a second run
adds nothing. Returns ``{"queues": n, "policies": n, "calendar_days": n}`` made now."""

from guanxi.orgs.models import Department
from guanxi.service.routing import hours, services
from guanxi.service.routing.models import CalendarDay, ServiceQueue, SlaPolicy

QUEUES = (
    # name, team, categories, skills, position, default
    ("售后维修组", "售后技术支持组", ["repair", "installation", "return"], [], 10, False),
    ("咨询投诉组", "呼叫中心", ["consultation", "complaint"], ["billing"], 20, True),
)


HOLIDAYS_2026 = """
2026-01-01,2026-01-03 元旦 休
2026-01-04 元旦调休 班
2026-02-14 春节调休 班
2026-02-15,2026-02-23 春节 休
2026-02-28 春节调休 班
2026-04-04,2026-04-06 清明节 休
2026-05-01,2026-05-05 劳动节 休
2026-05-09 劳动节调休 班
2026-06-19,2026-06-21 端午节 休
2026-09-20 国庆节调休 班
2026-09-25,2026-09-27 中秋节 休
2026-10-01,2026-10-07 国庆节 休
2026-10-10 国庆节调休 班
"""


def _working_day_minutes(admin):
    calendar = services.org_calendar(admin.org_id)
    return calendar.day_seconds // 60


def _policies(day):
    # name, priority, level, first response, resolution, working hours only
    return (
        ("紧急工单", "urgent", "", 30, 4 * 60, False),
        ("高优先级工单", "high", "", 60, 8 * 60, False),
        # the 24-hour reply promise: one working day (the same time the next working day)
        ("普通工单（24小时回复承诺）", "normal", "", day, 3 * day, True),
        ("低优先级工单", "low", "", 2 * day, 5 * day, True),
        ("重点客户·紧急", "urgent", "key", 15, 2 * 60, False),
        ("重点客户·高", "high", "key", 30, 4 * 60, False),
        ("重点客户·普通", "normal", "key", 4 * 60, 2 * day, True),
    )


def seed(admin):
    made = {"queues": 0, "policies": 0, "calendar_days": 0}
    if not ServiceQueue.objects.exists():
        teams = {d.name: d for d in Department.objects.filter(name__in=[q[1] for q in QUEUES])}
        for name, team, categories, skills, position, default in QUEUES:
            if team not in teams:
                continue
            services.queue_create(
                actor=admin,
                name=name,
                team=teams[team].pk,
                categories=categories,
                skills=skills,
                position=position,
                is_default=default,
            )
            made["queues"] += 1
    if not SlaPolicy.objects.exists():
        day = (
            _working_day_minutes(admin) or (hours.DEFAULT_END.hour - hours.DEFAULT_START.hour) * 60
        )
        for name, priority, level, first, resolution, business in _policies(day):
            services.sla_policy_create(
                actor=admin,
                name=name,
                priority=priority,
                customer_level=level,
                first_response_minutes=first,
                resolution_minutes=resolution,
                business_hours=business,
                warn_unit="percent",
                warn_value=20,
                escalate_to="manager",
            )
            made["policies"] += 1
    if not CalendarDay.objects.exists():
        made["calendar_days"] = len(services.calendar_days_import(actor=admin, text=HOLIDAYS_2026))
    return made
