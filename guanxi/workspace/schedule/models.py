"""Tasks and calendar events (日程), and each employee's secret calendar feed.

A task or event belongs to its ``assignee`` (the owner for the "tasks" data scope) and
the assignee's ``department``; ``participants`` see it too, whatever the data scope. It
may be linked to a record: a customer and/or one of its contacts (the common case, kept
as foreign keys for filters and display), or another record type through
``target_type`` / ``target_id`` (a type registered in ``guanxi.workspace.targets``).
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager

TITLE_LENGTH = 200
NOTES_LENGTH = 5000
LOCATION_LENGTH = 200
MAX_REMINDER_MINUTES = 60 * 24 * 30  # a month ahead at most


class ScheduleItem(OrgOwned, Versioned):
    """What tasks and events share: title, notes, owner, participants, link, reminder."""

    title = models.CharField(_("标题"), max_length=TITLE_LENGTH)
    notes = models.TextField(_("备注"), max_length=NOTES_LENGTH, blank=True)
    all_day = models.BooleanField(_("全天"), default=False)
    assignee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("所属部门"),
    )
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("客户"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("联系人"),
    )
    target_type = models.CharField(_("关联记录类型"), max_length=40, blank=True)
    target_id = models.PositiveBigIntegerField(_("关联记录编号"), null=True, blank=True)
    reminder_minutes = models.PositiveIntegerField(_("提前提醒（分钟）"), null=True, blank=True)
    # when the reminder is due (the time minus ``reminder_minutes``) and when it went out;
    # kept by the services, read by the minute scan
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("已提醒时间"), null=True, blank=True, editable=False)

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


class Task(ScheduleItem):
    """A to-do with an optional due time (任务)."""

    class Priority(models.TextChoices):
        LOW = "low", pgettext_lazy("task priority", "低")
        NORMAL = "normal", pgettext_lazy("task priority", "普通")
        HIGH = "high", pgettext_lazy("task priority", "高")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "待办")
        DONE = "done", pgettext_lazy("task status", "已完成")
        CANCELLED = "cancelled", pgettext_lazy("task status", "已取消")

    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    priority = models.CharField(
        _("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    participants = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("参与人")
    )

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["org", "assignee", "status", "due_at"], name="task_org_assignee"),
            models.Index(fields=["org", "department", "due_at"], name="task_org_dept"),
            models.Index(fields=["org", "customer", "due_at"], name="task_org_customer"),
            models.Index(
                fields=["org", "remind_at"],
                condition=Q(reminded_at__isnull=True, remind_at__isnull=False),
                name="task_org_remind",
            ),
        ]

    @property
    def when(self):
        return self.due_at


class Event(ScheduleItem):
    """A calendar entry with a start and an end (日程/会议)."""

    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    location = models.CharField(_("地点"), max_length=LOCATION_LENGTH, blank=True)
    participants = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("参与人")
    )

    class Meta:
        verbose_name = _("日程")
        verbose_name_plural = _("日程")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["org", "assignee", "starts_at"], name="event_org_assignee"),
            models.Index(fields=["org", "department", "starts_at"], name="event_org_dept"),
            models.Index(fields=["org", "customer", "starts_at"], name="event_org_customer"),
            models.Index(
                fields=["org", "remind_at"],
                condition=Q(reminded_at__isnull=True, remind_at__isnull=False),
                name="event_org_remind",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            )
        ]

    @property
    def when(self):
        return self.starts_at


class CalendarFeed(OrgOwned):
    """An employee's secret iCalendar feed address (``<org id>-<secret>``). Only a hash
    of the secret is kept: the address is shown when made; making a new one replaces the
    old, which stops working."""

    employee = models.OneToOneField(
        "orgs.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("员工")
    )
    token_hash = models.CharField(_("令牌摘要"), max_length=64)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")
        constraints = [
            models.UniqueConstraint(fields=["org", "token_hash"], name="calfeed_unique_token")
        ]

    def __str__(self):
        return str(self.employee_id)
