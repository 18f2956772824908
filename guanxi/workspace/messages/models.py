"""Conversations (会话) between employees, their messages (消息), and @mentions (提及)
of employees in follow-up records.

A conversation is direct (exactly two employees; ``direct_key`` holds their ids, lowest
first, and a unique constraint keeps one conversation per pair, even under concurrent
first messages) or a named group. Each member's ``last_read_id`` is the newest message
they have read: what is newer and not their own is unread.
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned
from guanxi.core.tenancy import OrgScopedManager

BODY_LENGTH = 2000
NAME_LENGTH = 100
MAX_MEMBERS = 200


class Conversation(OrgOwned):
    """A direct (two employees) or group conversation."""

    class Kind(models.TextChoices):
        DIRECT = "direct", pgettext_lazy("conversation kind", "单聊")
        GROUP = "group", pgettext_lazy("conversation kind", "群聊")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=NAME_LENGTH, blank=True)
    # "<lower id>:<higher id>" of a direct conversation's two employees; blank for groups
    direct_key = models.CharField(max_length=50, blank=True, editable=False)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    last_message = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("最新消息"),
    )
    # the inbox order: the newest message's time (the creation time before any)
    last_message_at = models.DateTimeField(_("最新消息时间"), null=True, blank=True)

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "direct_key"],
                condition=Q(kind="direct"),
                name="conversation_one_per_pair",
            ),
        ]

    def __str__(self):
        return self.name or f"#{self.pk}"


class Membership(OrgOwned):
    """An employee in a conversation, and how far they have read."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    employee = models.ForeignKey("orgs.Employee", on_delete=models.CASCADE, related_name="+")
    last_read_id = models.PositiveBigIntegerField(_("已读到"), default=0)
    # the member's copy of the conversation's last_message_at, so the inbox is one index
    last_message_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("会话成员")
        verbose_name_plural = _("会话成员")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "conversation", "employee"], name="membership_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["org", "employee", "-last_message_at"], name="membership_org_inbox"
            ),
        ]


class Message(OrgOwned):
    """One message in a conversation; plain text, optionally about a record."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        "orgs.Employee",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发送人"),
    )
    body = models.TextField(_("内容"), max_length=BODY_LENGTH)
    target_type = models.CharField(_("关联记录类型"), max_length=40, blank=True)
    target_id = models.PositiveBigIntegerField(_("关联记录编号"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"))

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["org", "conversation", "id"], name="message_org_conversation"),
        ]

    def __str__(self):
        return self.body[:50]


class Mention(OrgOwned):
    """An employee @mentioned in a follow-up record's content. ``notified`` is False when
    they could not see the record (so they were not told about it)."""

    activity = models.ForeignKey(
        "workspace.Activity", on_delete=models.CASCADE, related_name="mentions"
    )
    employee = models.ForeignKey(
        "orgs.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("被提及人")
    )
    author = models.ForeignKey(
        "orgs.Employee",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("提及人"),
    )
    notified = models.BooleanField(_("已通知"), default=True)

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("提及")
        verbose_name_plural = _("提及")
        constraints = [
            models.UniqueConstraint(fields=["org", "activity", "employee"], name="mention_unique"),
        ]
        indexes = [
            models.Index(fields=["org", "employee", "-id"], name="mention_org_employee"),
        ]
