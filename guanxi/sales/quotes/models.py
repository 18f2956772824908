"""Quotes (销售报价): a priced offer to a customer, with lines, validity and versions."""

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import MONEY, DocumentLine


class Quote(OrgOwned, Versioned):
    """A quote to a customer.

    ``code`` is shared by every revision of the same quote (BJ-2026-00001), and
    ``revision`` counts them (V1, V2…): revising copies the quote into the next
    revision and marks this one superseded (read-only). ``version`` (from
    ``Versioned``) is the optimistic lock of edits, not the quote's revision.
    Totals are the sums of the rounded lines at ``decimals`` places (the org's
    ``quote_decimals`` when last saved)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("审批中")
        APPROVED = "approved", _("已批准")
        SENT = "sent", _("已发送")
        ACCEPTED = "accepted", _("客户已接受")
        REJECTED = "rejected", _("客户已拒绝")
        EXPIRED = "expired", _("已过期")

    class Language(models.TextChoices):
        CHINESE = "zh-hans", _("中文")
        ENGLISH = "en", _("英文")

    code = models.CharField(_("报价单号"), max_length=40)
    revision = models.PositiveSmallIntegerField(_("版本号"), default=1)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revision",
        verbose_name=_("上一版本"),
    )
    superseded_at = models.DateTimeField(_("被新版本取代时间"), null=True, blank=True)
    title = models.CharField(_("主题"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("客户"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        verbose_name=_("联系人"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        verbose_name=_("商机"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    language = models.CharField(
        _("报价单语言"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    decimals = models.PositiveSmallIntegerField(_("金额小数位数"), default=2)
    quote_date = models.DateField(_("报价日期"), default=timezone.localdate)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    subtotal = models.DecimalField(_("折前金额"), default=Decimal("0"), **MONEY)
    discount_amount = models.DecimalField(_("折扣金额"), default=Decimal("0"), **MONEY)
    amount = models.DecimalField(_("不含税金额"), default=Decimal("0"), **MONEY)
    tax = models.DecimalField(_("税额"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("价税合计"), default=Decimal("0"), **MONEY)
    # the largest line discount (percent): what the approval rule tests
    max_discount = models.DecimalField(
        _("最大折扣（%）"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    terms = models.TextField(_("条款"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
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
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("客户答复时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar[OrgScopedManager] = LiveManager()
    with_deleted: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("报价单")
        verbose_name_plural = _("报价单")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "code", "revision"], name="quote_unique_code_revision"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="quote_org_live"),
            models.Index(fields=["org", "customer", "-id"], name="quote_org_customer"),
            models.Index(fields=["org", "owner_department", "-id"], name="quote_org_dept"),
            models.Index(fields=["org", "owner", "-id"], name="quote_org_owner"),
            models.Index(fields=["org", "status", "valid_until"], name="quote_org_status"),
            models.Index(fields=["org", "quote_date"], name="quote_org_date"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The code with the revision: BJ-2026-00001 V2."""
        return f"{self.code} V{self.revision}"

    @property
    def superseded(self):
        return self.superseded_at is not None


class QuoteLine(DocumentLine):
    """A line of a quote."""

    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("报价单")
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("报价明细")
        verbose_name_plural = _("报价明细")
        indexes = [models.Index(fields=["org", "quote", "position"], name="quoteline_org_quote")]


class QuoteDelivery(OrgOwned):
    """One sending of a quote by e-mail from the system: who sent it, when, to whom."""

    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("报价单")
    )
    sent_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发送人"),
    )
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    to = models.CharField(_("收件人"), max_length=1000)
    cc = models.CharField(_("抄送"), max_length=1000, blank=True)
    subject = models.CharField(_("邮件主题"), max_length=200)
    language = models.CharField(_("报价单语言"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("报价发送记录")
        verbose_name_plural = _("报价发送记录")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["org", "quote", "-sent_at"], name="quotedelivery_org_q")]
