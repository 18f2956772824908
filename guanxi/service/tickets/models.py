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

import uuid
from typing import ClassVar

from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
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


def attachment_path(instance, filename):
    """``files/<org id>/tickets/<yyyy>/<mm>/<uuid>``: the user's file name never reaches
    the disk."""
    now = timezone.now()
    return f"files/{instance.org_id}/tickets/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


class TicketAttachment(OrgOwned):
    """A file of a ticket (a photo of the fault, a screenshot, an invoice scan).
    Downloaded only through a view that checks the ticket is visible to the employee;
    deleting it moves it to the recycle bin and keeps the stored file."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("工单")
    )
    # the conversation entry the file came or went with (a customer's e-mail, an agent's
    # reply): a reply's files are sent with it; none for files uploaded on their own
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
        verbose_name=_("工单消息"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[TicketAttachment]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[TicketAttachment]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "ticket", "-created_at"], name="ticketfile_org_ticket"),
        ]

    def __str__(self):
        return self.original_name


@receiver(post_delete, sender=TicketAttachment, dispatch_uid="ticket_file_after_delete")
def _remove_file_after_delete(sender, instance, using, **kwargs):
    """The stored file goes once the row's deletion commits (a purge, or the ticket's)."""
    name = instance.file.name
    if not name:
        return
    storage = instance.file.storage
    transaction.on_commit(lambda: storage.delete(name), using=using, robust=True)


class TicketSurvey(OrgOwned):
    """The satisfaction survey of one closure of a ticket (满意度回访).

    Made when the ticket is closed (``closure`` is the ticket's ``reopen_count`` then, so
    a reopened and closed-again ticket gets a new one). It is answered once: by the agent
    who asks on the phone (``source`` agent, ``recorded_by``), or by the customer through
    a secret link (``source`` customer). The link is ``<org id>-<secret>``; only the
    secret's hash is kept, and it stops working at ``expires_at`` or when answered.
    ``agent`` is who handled the ticket at closing: the per-agent scores count by it."""

    class Source(models.TextChoices):
        AGENT = "agent", _("客服代录")
        CUSTOMER = "customer", _("客户填写")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("工单")
    )
    closure = models.PositiveSmallIntegerField(_("第几次关闭"), default=0)
    agent = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理人"),
    )
    score = models.PositiveSmallIntegerField(_("满意度评分"), null=True, blank=True)
    comment = models.TextField(_("评价"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, blank=True)
    recorded_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("联系人"),
    )
    answered_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    token_hash = models.CharField(_("链接摘要"), max_length=64, blank=True)
    expires_at = models.DateTimeField(_("链接有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("满意度回访")
        verbose_name_plural = _("满意度回访")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "ticket", "closure"], name="ticketsurvey_one_per_closure"
            ),
            models.UniqueConstraint(
                fields=["org", "token_hash"],
                condition=~Q(token_hash=""),
                name="ticketsurvey_token",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="ticketsurvey_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "agent", "answered_at"], name="ticketsurvey_org_agent"),
        ]

    def __str__(self):
        return f"{self.ticket_id} #{self.closure}"

    @property
    def is_answered(self):
        return self.score is not None
