"""Receivables and collections (应收/回款): what customers owe, what they paid, invoices.

A ``Receivable`` (应收款) is money a customer owes by a due date: one per instalment of a
contract's payment plan, one per direct order, or entered by hand. ``paid_amount`` is
always the sum of the ``PaymentAllocation`` rows pointing at it (the services keep it so,
under row locks); ``status`` follows from it.

A ``Payment`` (回款) is money received from a customer. It is matched to one or more of
that customer's receivables through ``PaymentAllocation`` rows; ``allocated_amount`` is
their sum and what is left (``amount - allocated_amount``) is the customer's unallocated
credit, which can be matched later. Voiding a payment deletes its allocations (the audit
log keeps them) and gives the receivables back their open amount.

An ``Invoice`` (发票) is an official VAT invoice the org issued to the customer, recorded
with the number printed on it; it can name the receivables it bills.

All three are owned records of the permission module ``payments`` (data scope by
``owner`` / ``owner_department``).
"""

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager
from guanxi.sales.lines import MONEY

ZERO = Decimal("0")


class Owned(models.Model):
    """Owner and owner department (the data scope of module ``payments``); the services
    set ``owner_department`` from the owner whenever they set the owner."""

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

    class Meta:
        abstract = True


class Receivable(OrgOwned, Versioned, Owned):
    """Money a customer owes by ``due_date`` (应收款)."""

    class Source(models.TextChoices):
        CONTRACT = "contract", pgettext_lazy("receivable source", "合同分期")
        ORDER = "order", pgettext_lazy("receivable source", "订单")
        MANUAL = "manual", pgettext_lazy("receivable source", "手工录入")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("receivable status", "未收款")
        PARTLY_PAID = "partly_paid", pgettext_lazy("receivable status", "部分收款")
        PAID = "paid", pgettext_lazy("receivable status", "已收清")
        CANCELLED = "cancelled", pgettext_lazy("receivable status", "已取消")

    code = models.CharField(_("应收编号"), max_length=40)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="receivables",
        verbose_name=_("客户"),
    )
    source_type = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    source_id = models.PositiveBigIntegerField(_("来源单据 ID"), null=True, blank=True)
    source_code = models.CharField(_("来源单号"), max_length=60, blank=True)
    title = models.CharField(_("摘要"), max_length=200, blank=True)
    amount = models.DecimalField(_("应收金额"), **MONEY)
    paid_amount = models.DecimalField(_("已收金额"), default=ZERO, **MONEY)
    currency = models.CharField(_("币种"), max_length=3)
    booked_on = models.DateField(_("记账日期"))
    due_date = models.DateField(_("到期日"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[Receivable]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("应收款")
        verbose_name_plural = _("应收款")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="receivable_unique_code"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=models.F("amount")),
                name="receivable_paid_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "customer", "status", "due_date"], name="recv_customer"),
            models.Index(fields=["org", "status", "due_date"], name="recv_status_due"),
            models.Index(fields=["org", "owner", "status", "due_date"], name="recv_owner"),
            models.Index(fields=["org", "owner_department", "status"], name="recv_dept"),
            models.Index(fields=["org", "source_type", "source_id"], name="recv_source"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}".strip()

    @property
    def open_amount(self):
        if self.status == self.Status.CANCELLED:
            return ZERO
        return self.amount - self.paid_amount

    def status_from_paid(self):
        """The status ``paid_amount`` implies (for a receivable that is not cancelled)."""
        if self.paid_amount <= 0:
            return self.Status.OPEN
        if self.paid_amount >= self.amount:
            return self.Status.PAID
        return self.Status.PARTLY_PAID


class Payment(OrgOwned, Versioned, Owned):
    """Money received from a customer (回款), matched to its receivables."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", pgettext_lazy("payment method", "银行转账")
        CASH = "cash", pgettext_lazy("payment method", "现金")
        CHEQUE = "cheque", pgettext_lazy("payment method", "支票")
        ACCEPTANCE = "acceptance", pgettext_lazy("payment method", "承兑汇票")
        ONLINE = "online", pgettext_lazy("payment method", "微信/支付宝")
        OTHER = "other", pgettext_lazy("payment method", "其他")

    class Status(models.TextChoices):
        VALID = "valid", pgettext_lazy("payment status", "有效")
        VOIDED = "voided", pgettext_lazy("payment status", "已作废")

    code = models.CharField(_("回款编号"), max_length=40)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("客户"),
    )
    amount = models.DecimalField(_("回款金额"), **MONEY)
    allocated_amount = models.DecimalField(_("已核销金额"), default=ZERO, **MONEY)
    currency = models.CharField(_("币种"), max_length=3)
    received_at = models.DateField(_("到账日期"))
    method = models.CharField(
        _("付款方式"), max_length=12, choices=Method.choices, default=Method.TRANSFER
    )
    reference = models.CharField(_("银行流水号"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), max_length=2000, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.VALID
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[Payment]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("回款")
        verbose_name_plural = _("回款")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="payment_unique_code"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=models.F("amount")),
                name="payment_allocated_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "customer", "status", "received_at"], name="pay_customer"),
            models.Index(fields=["org", "received_at", "id"], name="pay_received"),
            models.Index(fields=["org", "owner", "received_at"], name="pay_owner"),
            models.Index(fields=["org", "owner_department", "received_at"], name="pay_dept"),
        ]

    def __str__(self):
        return self.code

    @property
    def unallocated_amount(self):
        if self.status == self.Status.VOIDED:
            return ZERO
        return self.amount - self.allocated_amount


class PaymentAllocation(OrgOwned):
    """The part of a payment matched to one receivable (核销)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    receivable = models.ForeignKey(
        Receivable, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("应收款")
    )
    amount = models.DecimalField(_("核销金额"), **MONEY)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[PaymentAllocation]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("回款核销")
        verbose_name_plural = _("回款核销")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["org", "payment"], name="alloc_payment"),
            models.Index(fields=["org", "receivable"], name="alloc_receivable"),
        ]

    def __str__(self):
        return f"{self.payment_id} → {self.receivable_id}: {self.amount}"


class Invoice(OrgOwned, Versioned, Owned):
    """A VAT invoice issued to a customer (发票), recorded with its official number.

    ``amount`` is the invoice total including tax (价税合计); ``tax_amount`` the tax in it."""

    class Type(models.TextChoices):
        VAT_SPECIAL = "vat_special", pgettext_lazy("invoice type", "增值税专用发票")
        VAT_ORDINARY = "vat_ordinary", pgettext_lazy("invoice type", "增值税普通发票")

    class Status(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("invoice status", "已开具")
        VOIDED = "voided", pgettext_lazy("invoice status", "已作废")

    number = models.CharField(_("发票号码"), max_length=40)
    type = models.CharField(
        _("发票类型"), max_length=14, choices=Type.choices, default=Type.VAT_ORDINARY
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("客户"),
    )
    amount = models.DecimalField(_("价税合计"), **MONEY)
    tax_amount = models.DecimalField(_("税额"), default=ZERO, **MONEY)
    currency = models.CharField(_("币种"), max_length=3)
    issued_on = models.DateField(_("开票日期"))
    receivables = models.ManyToManyField(
        Receivable, blank=True, related_name="invoices", verbose_name=_("关联应收款")
    )
    notes = models.TextField(_("备注"), max_length=2000, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[Invoice]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "number"], name="invoice_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(tax_amount__gte=0) & Q(tax_amount__lte=models.F("amount")),
                name="invoice_tax_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "customer", "issued_on"], name="inv_customer"),
            models.Index(fields=["org", "issued_on", "id"], name="inv_issued"),
            models.Index(fields=["org", "owner", "issued_on"], name="inv_owner"),
            models.Index(fields=["org", "owner_department", "issued_on"], name="inv_dept"),
        ]

    def __str__(self):
        return self.number
