"""Product defects (产品缺陷): faults of a product found in service, handed to R&D.

A defect names the product it is in and the version or batch it was found in; tickets
whose customers ran into it are linked to it, so R&D sees how many customers are
affected and how the numbers move month by month. Status: open → confirmed → in_fix →
fixed → closed, or rejected, or a duplicate of another defect.
"""

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager


class Defect(OrgOwned, Versioned):
    """A product defect (产品缺陷). Not owned: everyone with ``defects.view`` sees all of
    the org's defects."""

    class Severity(models.TextChoices):
        CRITICAL = "critical", pgettext_lazy("defect severity", "致命")
        MAJOR = "major", pgettext_lazy("defect severity", "严重")
        MINOR = "minor", pgettext_lazy("defect severity", "一般")
        TRIVIAL = "trivial", pgettext_lazy("defect severity", "轻微")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("defect status", "待确认")
        CONFIRMED = "confirmed", pgettext_lazy("defect status", "已确认")
        IN_FIX = "in_fix", pgettext_lazy("defect status", "修复中")
        FIXED = "fixed", pgettext_lazy("defect status", "已修复")
        CLOSED = "closed", pgettext_lazy("defect status", "已关闭")
        REJECTED = "rejected", pgettext_lazy("defect status", "已拒绝")
        DUPLICATE = "duplicate", pgettext_lazy("defect status", "重复")

    # still to be dealt with by R&D
    OPEN_STATUSES = ("open", "confirmed", "in_fix")

    code = models.CharField(_("缺陷编号"), max_length=40)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("产品")
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("缺陷描述"), blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MAJOR
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="open")
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("重复于"),
    )
    found_version = models.CharField(_("发现版本/批次"), max_length=100, blank=True)
    fixed_version = models.CharField(_("修复版本"), max_length=100, blank=True)
    resolution = models.TextField(_("处理说明"), blank=True)
    reported_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("研发负责人"),
    )
    fixed_at = models.DateTimeField(_("修复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Defect]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Defect]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("产品缺陷")
        verbose_name_plural = _("产品缺陷")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="defect_org_code")]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="defect_org_live"),
            models.Index(fields=["org", "product", "status"], name="defect_org_product"),
            models.Index(fields=["org", "status", "-id"], name="defect_org_status"),
            models.Index(fields=["org", "severity", "-id"], name="defect_org_severity"),
            models.Index(fields=["org", "created_at"], name="defect_org_created"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class DefectTicket(OrgOwned):
    """A ticket that ran into a defect: who linked it and when."""

    defect = models.ForeignKey(
        Defect, on_delete=models.CASCADE, related_name="ticket_links", verbose_name=_("产品缺陷")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="defect_links",
        verbose_name=_("服务工单"),
    )
    linked_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联人"),
    )
    linked_at = models.DateTimeField(_("关联时间"), default=timezone.now)

    class Meta:
        verbose_name = _("缺陷关联工单")
        verbose_name_plural = _("缺陷关联工单")
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "defect", "ticket"], name="defectticket_org_pair"
            )
        ]
        indexes = [
            models.Index(fields=["org", "ticket"], name="defectticket_org_ticket"),
            models.Index(fields=["org", "linked_at"], name="defectticket_org_linked"),
        ]

    def __str__(self):
        return f"{self.defect_id} ↔ {self.ticket_id}"
