"""Service projects (项目服务): multi-step service work for one customer — an installation
and commissioning, a system upgrade, a yearly inspection, a training programme — with
milestones, tasks and the hours logged on them.

A project is owned by its manager (``owner``/``owner_department``: data scope of module
``service_projects``); its members and the assignees of its tasks see it too. Status:
planned → in_progress ⇄ on_hold → completed, or cancelled. Tasks belong to the project and
optionally to one of its milestones; time entries (工时) record who worked how long on
which day, optionally on one task.
"""

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager

HOURS: dict = {"max_digits": 8, "decimal_places": 2}
DAY_HOURS: dict = {"max_digits": 4, "decimal_places": 2}


class ServiceProject(OrgOwned, Versioned):
    """A service project (服务项目) of one customer, led by its manager (``owner``)."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("project status", "计划中")
        IN_PROGRESS = "in_progress", pgettext_lazy("project status", "进行中")
        ON_HOLD = "on_hold", pgettext_lazy("project status", "暂停")
        COMPLETED = "completed", pgettext_lazy("project status", "已完成")
        CANCELLED = "cancelled", pgettext_lazy("project status", "已取消")

    OPEN_STATUSES = ("planned", "in_progress", "on_hold")

    code = models.CharField(_("项目编号"), max_length=40)
    name = models.CharField(_("项目名称"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("联系人"),
    )
    service_contract = models.ForeignKey(
        "service_contracts.ServiceContract",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("服务合同"),
    )
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("项目经理"),
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责部门"),
    )
    members = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("项目成员")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    due_date = models.DateField(_("计划完成日期"), null=True, blank=True)
    budget_hours = models.DecimalField(_("预算工时"), null=True, blank=True, **HOURS)
    description = models.TextField(_("项目说明"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[ServiceProject]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[ServiceProject]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="svcproject_org_code"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(due_date__gte=F("start_date")),
                name="svcproject_due_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="svcproject_org_live"),
            models.Index(fields=["org", "owner", "-id"], name="svcproject_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="svcproject_org_dept"),
            models.Index(fields=["org", "customer", "status"], name="svcproject_org_customer"),
            models.Index(fields=["org", "status", "-id"], name="svcproject_org_status"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if self.owner is not None and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class Milestone(OrgOwned):
    """A milestone (里程碑) of a project: reached on a day once its tasks are finished."""

    project = models.ForeignKey(
        ServiceProject,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("服务项目"),
    )
    name = models.CharField(_("里程碑"), max_length=200)
    due_date = models.DateField(_("计划日期"))
    reached_on = models.DateField(_("达成日期"), null=True, blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["position", "due_date", "id"]
        indexes = [models.Index(fields=["org", "project", "position"], name="milestone_org_proj")]

    def __str__(self):
        return self.name


class ProjectTask(OrgOwned):
    """A task (项目任务) of a project, optionally under one of its milestones and opened
    from a ticket of the same customer."""

    class Status(models.TextChoices):
        TODO = "todo", pgettext_lazy("project task status", "待办")
        IN_PROGRESS = "in_progress", pgettext_lazy("project task status", "进行中")
        DONE = "done", pgettext_lazy("project task status", "已完成")
        CANCELLED = "cancelled", pgettext_lazy("project task status", "已取消")

    OPEN_STATUSES = ("todo", "in_progress")

    project = models.ForeignKey(
        ServiceProject, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("服务项目")
    )
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("里程碑"),
    )
    title = models.CharField(_("任务"), max_length=200)
    description = models.TextField(_("任务说明"), blank=True)
    assignee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="todo")
    planned_hours = models.DecimalField(_("计划工时"), null=True, blank=True, **HOURS)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("服务工单"),
    )

    class Meta:
        verbose_name = _("项目任务")
        verbose_name_plural = _("项目任务")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["org", "project", "status"], name="projtask_org_proj"),
            models.Index(fields=["org", "assignee", "status"], name="projtask_org_assignee"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class TimeEntry(OrgOwned):
    """Hours (工时) one employee worked on a project on one day."""

    project = models.ForeignKey(
        ServiceProject,
        on_delete=models.CASCADE,
        related_name="time_entries",
        verbose_name=_("服务项目"),
    )
    task = models.ForeignKey(
        ProjectTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="time_entries",
        verbose_name=_("项目任务"),
    )
    employee = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("员工")
    )
    work_date = models.DateField(_("工作日期"))
    hours = models.DecimalField(_("工时（小时）"), **DAY_HOURS)
    billable = models.BooleanField(_("可计费"), default=True)
    note = models.CharField(_("工作内容"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("工时")
        verbose_name_plural = _("工时")
        ordering = ["-work_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="timeentry_hours_range"
            )
        ]
        indexes = [
            models.Index(fields=["org", "project", "work_date"], name="timeentry_org_proj"),
            models.Index(fields=["org", "employee", "work_date"], name="timeentry_org_emp_day"),
        ]

    def __str__(self):
        return f"{self.employee_id} {self.work_date} {self.hours}"
