"""Sales orders (销售订单): lines, delivery status, and the credit check at confirmation.

An order is made from a contract, from a quote or directly. Confirming it runs the
credit check (``credit.py``); an order that fails it is refused or waits for approval
(document type ``order``) per the org's ``credit_check_mode``. A confirmed direct order
carries one receivable; an order from a contract carries none (the contract's payment
plan covers it).
"""

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import MONEY, DocumentLine


class Order(OrgOwned, Versioned):
    """A sales order. ``owner``/``owner_department`` decide who sees it (module
    ``orders``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("信用审批中")
        CONFIRMED = "confirmed", _("已确认")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    class Delivery(models.TextChoices):
        NOT_SHIPPED = "not_shipped", _("未发货")
        PARTLY = "partly", _("部分发货")
        SHIPPED = "shipped", _("已发货")
        DELIVERED = "delivered", _("已签收")

    code = models.CharField(_("订单编号"), max_length=40)
    title = models.CharField(_("订单名称"), max_length=200, blank=True)
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
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("合同"),
    )
    quote = models.ForeignKey(
        "quotes.Quote",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("报价单"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    order_date = models.DateField(_("下单日期"), default=timezone.localdate)
    payment_due_date = models.DateField(_("付款到期日"), null=True, blank=True)
    delivery_status = models.CharField(
        _("发货状态"), max_length=20, choices=Delivery.choices, default=Delivery.NOT_SHIPPED
    )
    shipped_on = models.DateField(_("发货日期"), null=True, blank=True)
    delivered_on = models.DateField(_("签收日期"), null=True, blank=True)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    subtotal = models.DecimalField(_("折前金额"), default=0, **MONEY)
    discount_amount = models.DecimalField(_("折扣金额"), default=0, **MONEY)
    amount = models.DecimalField(_("不含税金额"), default=0, **MONEY)
    tax = models.DecimalField(_("税额"), default=0, **MONEY)
    total = models.DecimalField(_("订单总额"), default=0, **MONEY)
    notes = models.TextField(_("备注"), blank=True)
    # the last credit check that did not pass: {"code": ..., figures...} (see credit.py)
    credit_check = models.JSONField(_("信用检查结果"), default=dict, blank=True)
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
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完成/取消时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Order]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Order]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("销售订单")
        verbose_name_plural = _("销售订单")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="order_org_code")]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="order_org_live"),
            models.Index(fields=["org", "owner", "-id"], name="order_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="order_org_dept"),
            models.Index(fields=["org", "customer", "status"], name="order_org_customer"),
            models.Index(fields=["org", "status", "-id"], name="order_org_status"),
            models.Index(fields=["org", "contract"], name="order_org_contract"),
            # the sales figures by period (analysis, targets, commissions)
            models.Index(fields=["org", "order_date"], name="order_org_date"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}".strip()

    def save(self, *args, **kwargs):
        if self.owner is not None and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    @property
    def is_direct(self):
        """A direct order (not from a contract) carries its own receivable."""
        return self.contract_id is None


class OrderLine(DocumentLine):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单")
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        indexes = [models.Index(fields=["org", "order", "position"], name="orderline_org")]
