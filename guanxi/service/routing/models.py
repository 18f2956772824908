"""Ticket routing and SLA clocks (工单分配与SLA).

A ``ServiceQueue`` (服务队列) says which tickets a team takes: by category code, and
optionally by product or product category; the first active queue (by ``position``)
that matches a ticket wins, else the org's default queue. Routing then picks an online
agent of the queue's team (see ``services.route_ticket``); a ticket nobody can take now
waits in the queue (``TicketRoute`` remembers which one).

An ``SlaPolicy`` (SLA 策略) promises a first response and a resolution within so many
minutes, for a priority and/or a customer level (blank = any); the most specific active
policy that matches a ticket applies. ``TicketClock`` is one ticket's running SLA: the
due times, pauses while waiting for the customer, warnings, breaches and escalation.
Queues and policies are service setup (module ``service_setup``), and so is the work
calendar: ``CalendarDay`` dates that break the weekly working pattern (法定节假日 off,
调休上班 on), which every SLA clock counts with.
"""

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager

MAX_MINUTES = 60 * 24 * 365  # a year: no promise is longer


class ServiceQueue(OrgOwned, Versioned):
    """A routing queue: which tickets go to which team, and the skills its work needs."""

    name = models.CharField(_("队列名称"), max_length=100)
    team = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务团队"),
    )
    # codes of the dictionary ``ticket_category``; empty: every category
    categories = models.JSONField(_("工单类别"), default=list, blank=True)
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="+", verbose_name=_("产品")
    )
    product_categories = models.ManyToManyField(
        "catalog.ProductCategory", blank=True, related_name="+", verbose_name=_("产品分类")
    )
    # codes of the dictionary ``skill`` an agent may have instead of the ticket's category
    skills = models.JSONField(_("所需技能"), default=list, blank=True)
    position = models.PositiveIntegerField(_("匹配顺序"), default=100)
    is_default = models.BooleanField(_("默认队列"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    objects: ClassVar["OrgScopedManager[ServiceQueue]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("服务队列")
        verbose_name_plural = _("服务队列")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="servicequeue_org_name"),
            models.UniqueConstraint(
                fields=["org"], condition=Q(is_default=True), name="servicequeue_org_default"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "active", "position"], name="servicequeue_org_active"),
        ]

    def __str__(self):
        return self.name


class SlaPolicy(OrgOwned, Versioned):
    """An SLA promise: first response and resolution time for a priority and/or a
    customer level (blank = any), with a warning before it runs out and whom a breach
    is escalated to."""

    class WarnUnit(models.TextChoices):
        PERCENT = "percent", pgettext_lazy("sla warn unit", "剩余百分比")
        MINUTES = "minutes", pgettext_lazy("sla warn unit", "剩余分钟")

    class EscalateTo(models.TextChoices):
        MANAGER = "manager", _("处理人的上级")
        EMPLOYEE = "employee", _("指定员工")

    name = models.CharField(_("策略名称"), max_length=100)
    # a Ticket.Priority value; blank: any priority
    priority = models.CharField(_("优先级"), max_length=10, blank=True)
    # a code of the dictionary ``customer_level``; blank: any level
    customer_level = models.CharField(_("客户级别"), max_length=40, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("首次响应时限（分钟）"), validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("解决时限（分钟）"), validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)]
    )
    business_hours = models.BooleanField(_("按工作时间计时"), default=True)
    warn_unit = models.CharField(
        _("预警方式"), max_length=10, choices=WarnUnit.choices, default=WarnUnit.PERCENT
    )
    warn_value = models.PositiveIntegerField(_("提前预警"), default=20)
    escalate_to = models.CharField(
        _("超时升级给"), max_length=10, choices=EscalateTo.choices, default=EscalateTo.MANAGER
    )
    escalate_employee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("升级对象"),
    )
    active = models.BooleanField(_("启用"), default=True)

    objects: ClassVar["OrgScopedManager[SlaPolicy]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("SLA 策略")
        verbose_name_plural = _("SLA 策略")
        ordering = ["-active", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="slapolicy_org_name"),
        ]
        indexes = [models.Index(fields=["org", "active"], name="slapolicy_org_active")]

    def __str__(self):
        return self.name

    @property
    def specificity(self):
        """How narrowly the policy applies: a priority and a level beat one of them,
        which beats neither (the most specific matching policy wins)."""
        return int(bool(self.priority)) + int(bool(self.customer_level))


class TicketRoute(OrgOwned):
    """Where routing put a ticket: the queue it matched, and since when it waits there
    when no agent could take it."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="route", verbose_name=_("工单")
    )
    queue = models.ForeignKey(
        ServiceQueue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routes",
        verbose_name=_("服务队列"),
    )
    waiting_since = models.DateTimeField(_("排队开始时间"), null=True, blank=True)
    routed_at = models.DateTimeField(_("分配时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[TicketRoute]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("工单分配记录")
        verbose_name_plural = _("工单分配记录")
        indexes = [models.Index(fields=["org", "queue", "waiting_since"], name="ticketroute_org")]

    def __str__(self):
        return f"{self.ticket_id} → {self.queue_id}"


class TicketClock(OrgOwned):
    """One ticket's SLA clock. Due times are absolute; a pause (waiting for the
    customer) moves them later by the paused working time when it ends. ``cycle`` counts
    restarts of the resolution clock (a reopened ticket), so each cycle warns and
    escalates once."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla", verbose_name=_("工单")
    )
    policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("SLA 策略"),
    )
    label = models.CharField(_("SLA 来源"), max_length=200, blank=True)
    business_hours = models.BooleanField(_("按工作时间计时"), default=True)
    first_response_minutes = models.PositiveIntegerField(_("首次响应时限（分钟）"))
    resolution_minutes = models.PositiveIntegerField(_("解决时限（分钟）"))
    started_at = models.DateTimeField(_("开始计时"))
    first_response_due_at = models.DateTimeField(_("首次响应截止"))
    first_response_warn_at = models.DateTimeField(_("首次响应预警时间"))
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("解决截止"))
    resolution_warn_at = models.DateTimeField(_("解决预警时间"))
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停（秒）"), default=0)
    stopped_at = models.DateTimeField(_("停止计时"), null=True, blank=True)
    first_response_warned_at = models.DateTimeField(_("首次响应预警于"), null=True, blank=True)
    first_response_breached_at = models.DateTimeField(_("首次响应超时于"), null=True, blank=True)
    resolution_warned_at = models.DateTimeField(_("解决预警于"), null=True, blank=True)
    resolution_breached_at = models.DateTimeField(_("解决超时于"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    cycle = models.PositiveSmallIntegerField(_("计时轮次"), default=1)

    objects: ClassVar["OrgScopedManager[TicketClock]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("SLA 计时")
        verbose_name_plural = _("SLA 计时")
        indexes = [
            models.Index(fields=["org", "stopped_at", "resolution_due_at"], name="ticketclock_due"),
            models.Index(
                fields=["org", "stopped_at", "first_response_due_at"], name="ticketclock_first"
            ),
        ]

    def __str__(self):
        return f"SLA {self.ticket_id}"

    @property
    def running(self):
        return self.stopped_at is None and self.paused_at is None

    @property
    def breached(self):
        return bool(self.first_response_breached_at or self.resolution_breached_at)


class CalendarDay(OrgOwned):
    """One date of the org's work calendar that breaks the weekly pattern: a holiday
    (休息日, no working hours even on a working weekday) or a make-up working day
    (调休上班日, the normal working hours even on a weekend)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", pgettext_lazy("calendar day", "休息日")
        WORKDAY = "workday", pgettext_lazy("calendar day", "调休上班日")

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("名称"), max_length=50)

    objects: ClassVar["OrgScopedManager[CalendarDay]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("工作日历日")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["org", "date"], name="calendarday_org_date"),
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"
