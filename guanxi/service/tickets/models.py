"""Service requests / tickets (服务请求/工单) and their conversation.

A ticket comes from a channel (phone, e-mail, web, walk-in), has a category from the
dictionary ``ticket_category`` (stored as its code), a priority, and moves through
new → assigned → in progress → waiting for customer → resolved → closed (a resolved or
closed ticket can be reopened). ``assignee`` is the agent working it and ``team`` the
department whose queue holds it: the ``tickets`` data scope reads these two as owner
and department. ``assignment_reason`` says why the assignee got it (routing writes it,
a manual reassignment writes who did it).

Each reply to the customer, internal note and customer message is a ``TicketMessage``.
SLA clocks, routing queues and e-mail threading keep their own records beside these.
"""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager


class Ticket(OrgOwned, Versioned):
    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        EMAIL = "email", _("邮件")
        WEB = "web", _("网页")
        WALK_IN = "walk_in", _("上门")

    class Priority(models.TextChoices):
        LOW = "low", _("低")
        NORMAL = "normal", _("普通")
        HIGH = "high", _("高")
        URGENT = "urgent", _("紧急")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "新建")
        ASSIGNED = "assigned", pgettext_lazy("ticket status", "已分配")
        IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "处理中")
        WAITING = "waiting", pgettext_lazy("ticket status", "等待客户")
        RESOLVED = "resolved", pgettext_lazy("ticket status", "已解决")
        CLOSED = "closed", pgettext_lazy("ticket status", "已关闭")

    OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting")

    code = models.CharField(_("工单编号"), max_length=40)
    subject = models.CharField(_("主题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
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
    channel = models.CharField(
        _("渠道"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    # a code of the dictionary ``ticket_category``: consultation, complaint, repair…
    category = models.CharField(_("工单类别"), max_length=40)
    priority = models.CharField(
        _("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="new")
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("产品"),
    )
    installed_product = models.ForeignKey(
        "installed_products.InstalledProduct",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("安装档案"),
    )
    assignee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    team = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("服务团队"),
    )
    assignment_reason = models.CharField(_("分配原因"), max_length=500, blank=True)
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("受理人"),
    )
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    resolution = models.TextField(_("解决方案"), blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Ticket]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Ticket]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="ticket_org_code")]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="ticket_org_live"),
            models.Index(fields=["org", "assignee", "status"], name="ticket_org_assignee"),
            models.Index(fields=["org", "team", "status"], name="ticket_org_team"),
            models.Index(fields=["org", "customer", "status"], name="ticket_org_customer"),
            models.Index(fields=["org", "status", "-id"], name="ticket_org_status"),
            models.Index(fields=["org", "category", "-id"], name="ticket_org_category"),
            models.Index(fields=["org", "installed_product"], name="ticket_org_installed"),
        ]

    def __str__(self):
        return f"{self.code} {self.subject}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class TicketMessage(OrgOwned):
    """One entry of a ticket's conversation: a reply to the customer (public), an
    internal note (agents only) or a message from the customer (e-mail, portal, phone)."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("回复客户")
        NOTE = "note", _("内部备注")
        CUSTOMER = "customer", _("客户来信")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("工单")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    body = models.TextField(_("内容"))
    author = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("作者"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("联系人"),
    )
    # how the message came or went: phone, email, web, walk_in (Ticket.Channel)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    from_address = models.CharField(_("发件人"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("工单消息")
        verbose_name_plural = _("工单消息")
        ordering = ["id"]
        indexes = [models.Index(fields=["org", "ticket", "id"], name="ticketmsg_org_ticket")]

    def __str__(self):
        return f"{self.ticket_id} {self.get_kind_display()}"

    @property
    def is_public(self):
        return self.kind != self.Kind.NOTE
