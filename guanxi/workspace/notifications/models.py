"""Notifications (提醒/通知): one service that every app calls to tell employees something.

* ``Notification``: one message to one employee (the bell and the list), kept whatever
  the channels; with an ``event_key`` it exists at most once per (recipient, kind, key).
* ``NotificationPreference``: the channels an employee chose for one kind.
* ``Robot``: a group-robot webhook (企业微信 / 钉钉 / 飞书) of the org or of a department.
* ``Delivery``: one outgoing e-mail or robot post, sent after commit by a background
  job and retried with back-off; every attempt is kept in ``log``.
"""

from typing import ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager


class Notification(OrgOwned):
    """Something an employee is told: a birthday, an overdue follow-up, an approval…

    ``kind`` is a code of the kinds registry (``kinds.py``), not a database choice, so
    apps add kinds without migrations. ``link`` is the path of the record; ``target``
    a generic reference to it. Unread while ``read_at`` is empty."""

    recipient = models.ForeignKey(
        "orgs.Employee",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), max_length=2000, blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    event_key = models.CharField(_("事件标识"), max_length=200, blank=True)
    actor = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Notification]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["org", "recipient", "read_at", "-created_at"], name="notification_bell"
            ),
            models.Index(fields=["org", "recipient", "-id"], name="notification_list"),
            models.Index(fields=["org", "recipient", "kind", "-id"], name="notification_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "recipient", "kind", "event_key"],
                condition=~Q(event_key=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationPreference(OrgOwned):
    """The channels ``employee`` chose for ``kind`` (without a row: the kind's defaults).
    The in-app bell is always on; ``channels`` lists the others: ``email``, ``robot``."""

    employee = models.ForeignKey(
        "orgs.Employee",
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("员工"),
    )
    kind = models.CharField(_("类型"), max_length=40)
    channels = models.JSONField(_("通知方式"), default=list, blank=True)

    objects: ClassVar["OrgScopedManager[NotificationPreference]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee", "kind"], name="notification_preference_unique"
            )
        ]

    def __str__(self):
        return f"{self.employee_id}:{self.kind}"


class Robot(OrgOwned, Versioned):
    """A group robot (群机器人) that posts notifications to a chat group.

    With a ``department`` it only gets the notifications of recipients in that
    department or under it; without one, the whole org's. ``kinds`` lists the kinds it
    forwards (empty: every kind robots may forward). A recipient's notification reaches
    a robot only when they chose the robot channel for the kind."""

    class Platform(models.TextChoices):
        WECOM = "wecom", pgettext_lazy("robot platform", "企业微信")
        DINGTALK = "dingtalk", pgettext_lazy("robot platform", "钉钉")
        FEISHU = "feishu", pgettext_lazy("robot platform", "飞书")

    name = models.CharField(_("名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    webhook_url = models.CharField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("部门"),
    )
    kinds = models.JSONField(_("转发的提醒类型"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )

    objects: ClassVar["OrgScopedManager[Robot]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["org", "is_active"], name="robot_org_active")]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="robot_unique_name")]

    def __str__(self):
        return self.name


class Delivery(OrgOwned):
    """One outgoing e-mail or robot post. ``payload`` is what is sent (the robot's JSON
    body, signed at send time; or the mail's subject and text). Pending ones are sent
    when ``next_attempt_at`` comes; each attempt appends to ``log``."""

    class Channel(models.TextChoices):
        EMAIL = "email", pgettext_lazy("notification channel", "邮件")
        ROBOT = "robot", pgettext_lazy("notification channel", "群机器人")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery status", "待发送")
        SENT = "sent", pgettext_lazy("delivery status", "已发送")
        FAILED = "failed", pgettext_lazy("delivery status", "失败")
        SKIPPED = "skipped", pgettext_lazy("delivery status", "未发送")

    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("通知"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    robot = models.ForeignKey(
        Robot,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("群机器人"),
    )
    address = models.CharField(_("邮箱"), max_length=254, blank=True)
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    log = models.JSONField(_("发送记录"), default=list, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Delivery]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org", "status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["org", "robot", "-id"], name="delivery_robot"),
        ]

    def __str__(self):
        return f"{self.channel}:{self.pk}"
