"""Demo data of service projects: an equipment installation and commissioning under way
(one milestone reached, one overdue task), a system upgrade just planned, and a finished
yearly inspection, each with milestones, tasks and hours logged by the service team.
Called by the project's demo seed inside the demo org's scope after the customers; a
second run adds nothing. Returns how many projects were made."""

import datetime

from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee
from guanxi.service.projects import services
from guanxi.service.projects.models import ServiceProject

MANAGER = "hejing"
ENGINEER = "maxiaodong"
AGENT = "xuli"


def _employee(username, fallback):
    found = Employee.objects.filter(user__username=username, status=Employee.Status.ACTIVE).first()
    return found or fallback


def _days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def _build(admin, manager, people, customer, plan):
    """One project from ``plan``: milestones with their tasks and hours, then the
    milestones reached and the status moves of the plan."""
    project = services.project_create(
        actor=admin,
        name=plan["name"],
        customer=customer.pk,
        owner=manager.pk,
        members=[person.pk for person in people],
        start_date=plan["start"],
        due_date=plan["due"],
        budget_hours=plan["budget"],
        description=plan["description"],
    )
    if plan["status"] != "planned":
        project = services.project_transition(actor=admin, project=project, status="in_progress")
    for stone_name, offset, tasks, reach in plan["milestones"]:
        stone = services.milestone_create(
            actor=admin, project=project, name=stone_name, due_date=_days(offset)
        )
        for title, who, hours, state, logs in tasks:
            task = services.task_create(
                actor=admin,
                project=project,
                title=title,
                milestone=stone.pk,
                assignee=who.pk,
                planned_hours=hours,
                due_date=_days(offset),
            )
            for back, spent, note in logs:
                services.time_entry_create(
                    actor=admin,
                    project=project,
                    task=task.pk,
                    employee=who.pk,
                    work_date=_days(-back),
                    hours=spent,
                    note=note,
                )
            if state != "todo":
                services.task_update(actor=admin, task=task, status=state)
        if reach:
            services.milestone_reach(actor=admin, milestone=stone, reached_on=_days(min(offset, 0)))
    if plan["status"] == "completed":
        project = services.project_transition(actor=admin, project=project, status="completed")
    return project


def seed(admin):
    if ServiceProject.with_deleted.exists():
        return 0
    customers = list(Customer.objects.order_by("pk")[:3])
    if not customers:
        return 0
    manager = _employee(MANAGER, admin)
    engineer = _employee(ENGINEER, admin)
    agent = _employee(AGENT, admin)
    team = [person for person in {engineer.pk: engineer, agent.pk: agent}.values()]
    plans = [
        {
            "name": "生产线设备安装调试",
            "start": _days(-20),
            "due": _days(15),
            "budget": "120",
            "status": "in_progress",
            "description": "三台灌装设备的现场安装、联机调试和操作人员培训，验收后移交客户。",
            "milestones": [
                (
                    "设备到货验收",
                    -14,
                    [
                        (
                            "开箱清点与外观检查",
                            engineer,
                            "4",
                            "done",
                            [(15, "3.5", "开箱清点，外观无损")],
                        ),
                        ("核对装箱单与随机文件", agent, "2", "done", [(14, "1.5", "随机文件齐全")]),
                    ],
                    True,
                ),
                (
                    "安装与联机调试",
                    -2,
                    [
                        (
                            "设备就位与水电接入",
                            engineer,
                            "16",
                            "done",
                            [(10, "8", "设备就位"), (9, "7", "水电接入")],
                        ),
                        (
                            "PLC 联机调试",
                            engineer,
                            "24",
                            "in_progress",
                            [(3, "6", "联机通信调通"), (2, "5.5", "参数整定")],
                        ),
                    ],
                    False,
                ),
                (
                    "操作培训与竣工验收",
                    12,
                    [
                        ("操作人员培训", agent, "8", "todo", []),
                        ("竣工验收报告", engineer, "4", "todo", []),
                    ],
                    False,
                ),
            ],
        },
        {
            "name": "ERP 系统升级改造",
            "start": _days(7),
            "due": _days(60),
            "budget": "200",
            "status": "planned",
            "description": "把客户的 ERP 从 V5 升级到 V7：数据迁移、接口改造和上线支持。",
            "milestones": [
                ("需求调研", 14, [("现有流程与接口梳理", agent, "16", "todo", [])], False),
                ("数据迁移与上线", 55, [("历史数据迁移演练", engineer, "40", "todo", [])], False),
            ],
        },
        {
            "name": "年度设备巡检",
            "start": _days(-40),
            "due": _days(-5),
            "budget": "24",
            "status": "completed",
            "description": "全年一次的设备巡检：逐台检查、保养并出具巡检报告。",
            "milestones": [
                (
                    "现场巡检",
                    -20,
                    [
                        (
                            "逐台检查与保养",
                            engineer,
                            "12",
                            "done",
                            [(22, "7", "一号车间"), (21, "6", "二号车间")],
                        )
                    ],
                    True,
                ),
                (
                    "巡检报告",
                    -8,
                    [("编写并提交巡检报告", agent, "4", "done", [(9, "3", "巡检报告定稿")])],
                    True,
                ),
            ],
        },
    ]
    made = 0
    for index, plan in enumerate(plans):
        _build(admin, manager, team, customers[index % len(customers)], plan)
        made += 1
    return made
