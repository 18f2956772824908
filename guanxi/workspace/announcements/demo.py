"""Demo data of announcements: a pinned company-wide one (read by a few), one to the sales
department and its groups, and a draft. Called by the project's demo seed inside the demo
org's scope; a second run adds nothing."""

from guanxi.orgs.models import Department, Employee
from guanxi.workspace.announcements import services
from guanxi.workspace.announcements.models import Announcement

COMPANY = (
    "2027 年元旦放假安排",
    "根据国家规定，元旦放假 **1 月 1 日至 1 月 3 日**，共 3 天。\n\n"
    "- 放假前请整理好客户跟进记录和待办任务；\n"
    "- 值班安排见行政部通知；\n"
    "- 紧急客户问题请联系当日值班经理。\n\n"
    "祝大家节日快乐！",
)
SALES = (
    "第四季度销售冲刺会议",
    "本周五下午 3 点在三楼大会议室召开第四季度销售冲刺会议，请各组组长带上本组商机清单。",
)
DRAFT = ("年度优秀员工评选通知（草稿）", "评选标准和推荐方式待人事部确认后发布。")


def seed(admin):
    """Returns how many announcements were made (0 when the org already has some)."""
    if Announcement.objects.exists():
        return 0
    first = services.announcement_create(
        actor=admin, title=COMPANY[0], body=COMPANY[1], pinned=True, publish=True
    )
    readers = Employee.objects.filter(status=Employee.Status.ACTIVE).exclude(pk=admin.pk)
    for employee in readers.order_by("pk")[:3]:
        services.announcement_mark_read(actor=employee, announcement=first)
    made = 1
    sales = Department.objects.filter(name__contains="销售").order_by("depth", "pk").first()
    if sales is not None:
        services.announcement_create(
            actor=admin,
            title=SALES[0],
            body=SALES[1],
            audience=Announcement.Audience.DEPARTMENTS,
            departments=[sales.pk],
            include_children=True,
            publish=True,
        )
        made += 1
    services.announcement_create(actor=admin, title=DRAFT[0], body=DRAFT[1])
    return made + 1
