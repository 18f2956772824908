"""Sales contracts (销售合同): lines, a payment plan (分期收款计划) and attached files.

A contract is a draft while its owner writes it; submitting it goes through the approvals
engine (document type ``contract``). Once approved (or at once when no approval flow
applies) it is *effective* (生效): it can no longer be edited and one receivable is made
per instalment of its payment plan. An effective contract is later completed or
terminated; a rejected one can be edited and submitted again.
"""

import uuid
from typing import ClassVar

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import MONEY, DocumentLine


class Contract(OrgOwned, Versioned):
    """A sales contract with a customer. ``owner``/``owner_department`` decide who sees it
    (module ``contracts``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("审批中")
        REJECTED = "rejected", _("已驳回")
        EFFECTIVE = "effective", _("已生效")
        COMPLETED = "completed", _("已完成")
        TERMINATED = "terminated", _("已终止")

    code = models.CharField(_("合同编号"), max_length=40)
    title = models.CharField(_("合同名称"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
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
    quote = models.ForeignKey(
        "quotes.Quote",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("报价单"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("商机"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    subtotal = models.DecimalField(_("折前金额"), default=0, **MONEY)
    discount_amount = models.DecimalField(_("折扣金额"), default=0, **MONEY)
    amount = models.DecimalField(_("不含税金额"), default=0, **MONEY)
    tax = models.DecimalField(_("税额"), default=0, **MONEY)
    total = models.DecimalField(_("合同总额"), default=0, **MONEY)
    max_discount = models.DecimalField(
        _("最大折扣（%）"), max_digits=5, decimal_places=2, default=0
    )
    terms = models.TextField(_("合同条款"), blank=True)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责人"),
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责部门"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完成/终止时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Contract]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Contract]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="contract_org_code"),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="contract_org_live"),
            models.Index(fields=["org", "owner", "-id"], name="contract_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="contract_org_dept"),
            models.Index(fields=["org", "customer", "-id"], name="contract_org_customer"),
            models.Index(fields=["org", "status", "-id"], name="contract_org_status"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        if self.owner is not None and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)


class ContractLine(DocumentLine):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="lines", verbose_name=_("合同")
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("合同明细")
        verbose_name_plural = _("合同明细")
        indexes = [models.Index(fields=["org", "contract", "position"], name="contractline_org")]


class Instalment(OrgOwned):
    """One instalment (一期) of a contract's payment plan. The instalments of a contract
    sum exactly to its total (checked by ``payment_plan.clean_plan``)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("合同")
    )
    position = models.PositiveSmallIntegerField(_("期次"))
    amount = models.DecimalField(_("金额"), **MONEY)
    due_date = models.DateField(_("到期日"))

    class Meta:
        verbose_name = _("收款计划")
        verbose_name_plural = _("收款计划")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["org", "contract", "position"], name="instalment_org")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_positive"),
        ]

    def __str__(self):
        return f"{self.position}: {self.amount} @ {self.due_date}"


def attachment_path(instance, filename):
    """``files/<org id>/contracts/<yyyy>/<mm>/<uuid>``: the user's file name never reaches
    the disk."""
    now = timezone.now()
    return f"files/{instance.org_id}/contracts/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


class LiveAttachmentManager(OrgScopedManager):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class ContractAttachment(OrgOwned):
    """A file attached to a contract (the signed scan, annexes). Downloaded only through
    an authenticated view that checks the contract is visible to the employee."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("合同")
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

    objects: ClassVar["OrgScopedManager[ContractAttachment]"] = LiveAttachmentManager()
    with_deleted: ClassVar["OrgScopedManager[ContractAttachment]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("合同附件")
        verbose_name_plural = _("合同附件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "contract", "-created_at"], name="contractfile_org"),
        ]

    def __str__(self):
        return self.original_name


@receiver(post_delete, sender=ContractAttachment, dispatch_uid="contract_file_after_delete")
def _remove_file_after_delete(sender, instance, using, **kwargs):
    """The stored file goes once the row's deletion commits."""
    name = instance.file.name
    if not name:
        return
    storage = instance.file.storage
    transaction.on_commit(lambda: storage.delete(name), using=using, robust=True)
