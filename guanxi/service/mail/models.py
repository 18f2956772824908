"""The e-mail channel (邮件渠道): one mailbox per org, the mails it received and the
replies it sent.

``Mailbox`` holds the IMAP and SMTP settings and the poller's state (the last UID seen
under the folder's UIDVALIDITY, failures and the next attempt). Each message the poller
looked at leaves one ``InboundMail`` — its outcome, the ticket it opened or joined —
keyed so that a mail is never handled twice (``dedupe_key``: the Message-ID, or a digest
of the headers when a mail has none). ``OutboundMail`` is one agent reply going out by
SMTP, with the Message-ID the customer's answer will refer to.
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core import crypto
from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager


class Security(models.TextChoices):
    # protocol names, the same in every language
    SSL = "ssl", "SSL/TLS"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", _("不加密")


# the purpose the mailbox passwords' encryption key is derived for (guanxi.core.crypto)
PASSWORD_PURPOSE = "service_mail.mailbox.password"
PASSWORD_LENGTH = 200  # of the plain password; the stored token is longer


class Mailbox(OrgOwned, Versioned):
    """The org's service mailbox: where customers write (IMAP) and what agents' replies
    are sent from (SMTP). Passwords are write-only in forms and the API, and stored
    encrypted (``set_password``/``password``; a plain value written before encryption
    is still read as it is until the data migration or the next save encrypts it)."""

    name = models.CharField(_("名称"), max_length=100, default="", blank=True)
    active = models.BooleanField(_("启用"), default=False)
    imap_host = models.CharField(_("IMAP 服务器"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP 端口"), default=993)
    imap_security = models.CharField(
        _("IMAP 加密"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    imap_user = models.CharField(_("IMAP 用户名"), max_length=200)
    imap_password = models.TextField(_("IMAP 密码"), blank=True)
    imap_folder = models.CharField(_("收件文件夹"), max_length=200, default="INBOX")
    smtp_host = models.CharField(_("SMTP 服务器"), max_length=200, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP 端口"), default=465)
    smtp_security = models.CharField(
        _("SMTP 加密"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    smtp_user = models.CharField(_("SMTP 用户名"), max_length=200, blank=True)
    smtp_password = models.TextField(_("SMTP 密码"), blank=True)
    from_address = models.EmailField(_("发件地址"))
    from_name = models.CharField(_("发件人名称"), max_length=100, blank=True)

    # the poller's state
    uid_validity = models.BigIntegerField(_("文件夹标识（UIDVALIDITY）"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("已处理到的 UID"), default=0)
    last_polled_at = models.DateTimeField(_("上次收信时间"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("上次成功时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    # set while one poll runs, so a second one (the minute job, "poll now") waits its turn
    polling_until = models.DateTimeField(null=True, blank=True, editable=False)
    outage_notified = models.BooleanField(default=False, editable=False)

    objects: ClassVar["OrgScopedManager[Mailbox]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("服务邮箱")
        verbose_name_plural = _("服务邮箱")
        constraints = [models.UniqueConstraint(fields=["org"], name="mailbox_one_per_org")]
        indexes = [models.Index(fields=["org", "active"], name="mailbox_org_active")]

    def __str__(self):
        return self.from_address

    @property
    def can_send(self):
        return bool(self.active and self.smtp_host and self.from_address)

    def set_password(self, field: str, plaintext: str) -> None:
        """Store ``plaintext`` encrypted in ``field`` (imap_password, smtp_password)."""
        setattr(self, field, crypto.encrypt(plaintext or "", purpose=PASSWORD_PURPOSE))

    def password(self, field: str) -> str:
        """The plain password of ``field``. Raises ``crypto.DecryptionError`` when the
        key that encrypted it is no longer configured."""
        return crypto.reveal(getattr(self, field), purpose=PASSWORD_PURPOSE)


class InboundMail(OrgOwned):
    """One message the poller looked at, and what became of it."""

    class Status(models.TextChoices):
        TICKET_CREATED = "ticket_created", _("已建工单")
        APPENDED = "appended", _("已追加到工单")
        UNMATCHED = "unmatched", _("未匹配")
        IGNORED_LOOP = "ignored_loop", _("已忽略（自动回复）")
        REJECTED_TOO_LARGE = "rejected_too_large", _("已拒收（过大）")
        FAILED = "failed", pgettext_lazy("mail status", "处理失败")
        DISMISSED = "dismissed", _("已忽略")

    # the log outlives a removed mailbox configuration
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound",
        verbose_name=_("服务邮箱"),
    )
    uid_validity = models.BigIntegerField(_("文件夹标识（UIDVALIDITY）"), null=True, blank=True)
    uid = models.BigIntegerField(_("邮件 UID"), null=True, blank=True)
    message_id = models.CharField(_("邮件标识（Message-ID）"), max_length=500, blank=True)
    # the Message-ID, or a digest of the headers of a mail without one
    dedupe_key = models.CharField(max_length=500, editable=False)
    in_reply_to = models.CharField(_("回复的邮件（In-Reply-To）"), max_length=500, blank=True)
    references = models.TextField(_("引用的邮件（References）"), blank=True)
    from_address = models.CharField(_("发件人"), max_length=254, blank=True)
    from_name = models.CharField(_("发件人名称"), max_length=200, blank=True)
    subject = models.CharField(_("主题"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("收到时间"), null=True, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("工单"),
    )
    detail = models.TextField(_("说明"), blank=True)
    # kept only while someone may still need them (unmatched mails, failures): capped
    body_text = models.TextField(_("正文"), blank=True)
    raw = models.BinaryField(_("原始邮件"), null=True, blank=True, editable=False)
    attachments = models.JSONField(_("附件"), default=list, blank=True)
    handled_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理人"),
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[InboundMail]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("收到的邮件")
        verbose_name_plural = _("收到的邮件")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "dedupe_key"], name="inbound_org_dedupe"),
            models.UniqueConstraint(
                fields=["org", "mailbox", "uid_validity", "uid"],
                condition=Q(uid__isnull=False),
                name="inbound_org_uid",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "status", "-id"], name="inbound_org_status"),
            models.Index(fields=["org", "from_address", "-id"], name="inbound_org_sender"),
            models.Index(fields=["org", "ticket"], name="inbound_org_ticket"),
            models.Index(fields=["org", "message_id"], name="inbound_org_msgid"),
        ]

    def __str__(self):
        return f"{self.from_address} {self.subject}"


class OutboundMail(OrgOwned):
    """One agent reply sent (or being sent) to the customer by SMTP."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", pgettext_lazy("mail status", "发送失败")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("工单")
    )
    ticket_message = models.OneToOneField(
        "tickets.TicketMessage",
        on_delete=models.CASCADE,
        related_name="outbound_mail",
        verbose_name=_("工单消息"),
    )
    message_id = models.CharField(_("邮件标识（Message-ID）"), max_length=500)
    to_address = models.CharField(_("收件人"), max_length=254)
    subject = models.CharField(_("主题"), max_length=500)
    in_reply_to = models.CharField(_("回复的邮件（In-Reply-To）"), max_length=500, blank=True)
    references = models.TextField(_("引用的邮件（References）"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[OutboundMail]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("发出的邮件")
        verbose_name_plural = _("发出的邮件")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "message_id"], name="outbound_org_msgid"),
        ]
        indexes = [
            models.Index(fields=["org", "status", "next_attempt_at"], name="outbound_org_due"),
            models.Index(fields=["org", "ticket", "-id"], name="outbound_org_ticket"),
        ]

    def __str__(self):
        return f"{self.to_address} {self.subject}"
