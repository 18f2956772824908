"""Expenses (费用): money an employee spent for sales work (visits, hospitality, samples…),
linked to a customer and/or an opportunity, approved through the approvals engine and
counted in customer profitability once approved."""

import uuid
from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import MONEY


class Expense(OrgOwned, Versioned):
    """One expense of an employee (``owner``: who spent the money).

    Its life: draft → submitted (审批中) → approved, or rejected (editable again like a
    draft; editing it makes it a draft). An approved expense is locked: no edit, no
    delete. Someone with ``expenses.approve`` may then mark it reimbursed (已报销).
    ``amount`` is rounded to the org's money decimal places (``contract_decimals``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("审批中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    class Category(models.TextChoices):
        TRAVEL = "travel", _("差旅费")
        TRANSPORT = "transport", _("交通费")
        ENTERTAINMENT = "entertainment", _("招待费")
        GIFT = "gift", _("礼品费")
        MEETING = "meeting", _("会议费")
        SAMPLE = "sample", _("样品费")
        OTHER = "other", _("其他")

    code = models.CharField(_("费用单号"), max_length=40)
    category = models.CharField(_("费用类别"), max_length=20, choices=Category.choices)
    amount = models.DecimalField(_("金额"), default=Decimal("0"), **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    incurred_on = models.DateField(_("发生日期"), default=timezone.localdate)
    description = models.CharField(_("事由"), max_length=500)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenses",
        verbose_name=_("客户"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expenses",
        verbose_name=_("商机"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    owner = models.ForeignKey(
        "orgs.Employee",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("费用人"),
    )
    owner_department = models.ForeignKey(
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
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批完成时间"), null=True, blank=True)
    reimbursed_at = models.DateTimeField(_("报销时间"), null=True, blank=True)
    reimbursed_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("报销登记人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar[OrgScopedManager] = LiveManager()
    with_deleted: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("费用")
        verbose_name_plural = _("费用")
        ordering = ["-incurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="expense_unique_code"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="expense_amount_pos"),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-incurred_on"], name="expense_org_live"),
            models.Index(fields=["org", "owner", "-incurred_on"], name="expense_org_owner"),
            models.Index(
                fields=["org", "owner_department", "-incurred_on"], name="expense_org_dept"
            ),
            models.Index(fields=["org", "customer", "-incurred_on"], name="expense_org_customer"),
            models.Index(fields=["org", "opportunity"], name="expense_org_opp"),
            models.Index(fields=["org", "status", "-incurred_on"], name="expense_org_status"),
        ]

    def __str__(self):
        return self.code

    @property
    def reimbursed(self):
        return self.reimbursed_at is not None

    @property
    def editable(self):
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)


def receipt_path(instance, filename):
    """``files/<org id>/expenses/<yyyy>/<mm>/<uuid>``: the user's name never reaches the disk."""
    now = timezone.now()
    return f"files/{instance.org_id}/expenses/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


class ExpenseReceipt(OrgOwned):
    """A receipt (票据) of an expense: a photo or PDF, downloaded only through an
    authenticated view. Removing one deletes the row and, once that commits, the file."""

    expense = models.ForeignKey(
        Expense, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("费用")
    )
    file = models.FileField(_("文件"), upload_to=receipt_path, max_length=200)
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

    class Meta:
        verbose_name = _("票据")
        verbose_name_plural = _("票据")
        ordering = ["id"]
        indexes = [models.Index(fields=["org", "expense"], name="expensereceipt_org_exp")]

    def __str__(self):
        return self.original_name
