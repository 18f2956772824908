"""Announcements (公告) to the whole org or to chosen departments, and who has read them.

An announcement is written as a draft, then published (its audience is notified once,
ever: the notification's ``event_key`` is per announcement), and may be withdrawn (it
leaves its readers' lists) and published again. ``audience`` is the whole org or the
chosen ``departments`` — with their sub-departments when ``include_children``.
``AnnouncementRead`` is one row per (announcement, employee) who opened it: a unique
constraint makes opening it twice, or twice at once, store one receipt.
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager

TITLE_LENGTH = 200
BODY_LENGTH = 20000


class Announcement(OrgOwned, Versioned):
    """One announcement: title, plain-text body (a few markdown-like marks), audience,
    pinned flag and publication state."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("announcement status", "草稿")
        PUBLISHED = "published", pgettext_lazy("announcement status", "已发布")
        WITHDRAWN = "withdrawn", pgettext_lazy("announcement status", "已撤回")

    class Audience(models.TextChoices):
        ALL = "all", pgettext_lazy("announcement audience", "全体员工")
        DEPARTMENTS = "departments", pgettext_lazy("announcement audience", "指定部门")

    title = models.CharField(_("标题"), max_length=TITLE_LENGTH)
    body = models.TextField(_("正文"), max_length=BODY_LENGTH, blank=True)
    audience = models.CharField(
        _("发布范围"), max_length=20, choices=Audience.choices, default=Audience.ALL
    )
    departments = models.ManyToManyField(
        "orgs.Department", blank=True, related_name="+", verbose_name=_("部门")
    )
    include_children = models.BooleanField(_("包含下级部门"), default=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    author = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发布人"),
    )

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["org", "status", "pinned", "published_at"], name="announcement_org_feed"
            ),
            models.Index(fields=["org", "author", "created_at"], name="announcement_org_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="announcement_published_has_time",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def event_key(self):
        """The notification key: the audience hears of this announcement once."""
        return f"announcement:{self.pk}"


class AnnouncementRead(OrgOwned):
    """A read receipt: ``employee`` opened ``announcement`` at ``read_at``."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="reads", verbose_name=_("公告")
    )
    employee = models.ForeignKey(
        "orgs.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("员工")
    )
    read_at = models.DateTimeField(_("阅读时间"))

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("公告阅读记录")
        verbose_name_plural = _("公告阅读记录")
        ordering = ["read_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "announcement", "employee"], name="announcementread_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["org", "employee", "announcement"], name="announcementread_org_emp"
            )
        ]

    def __str__(self):
        return f"{self.announcement_id}:{self.employee_id}"
