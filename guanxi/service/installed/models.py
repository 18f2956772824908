"""Installed products (产品安装档案): what each customer has, one record per item.

A record names the customer, the product, the serial number, where and when it was
installed and when its warranty ends. Tickets, repairs and service contracts point at
it, which makes its service history. Nobody owns an installed product: who sees it
follows who sees its customer (module ``installed_products`` for the actions).
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager


class InstalledProduct(OrgOwned, Versioned):
    class Status(models.TextChoices):
        IN_USE = "in_use", _("使用中")
        RETIRED = "retired", _("已停用")
        RETURNED = "returned", _("已退回")

    code = models.CharField(_("档案编号"), max_length=40)
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
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("产品")
    )
    serial_number = models.CharField(_("序列号"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.IN_USE
    )
    install_date = models.DateField(_("安装日期"), null=True, blank=True)
    installed_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("安装人员"),
    )
    region = models.CharField(_("省市区"), max_length=100, blank=True)
    location = models.CharField(_("安装地点"), max_length=300, blank=True)
    warranty_end = models.DateField(_("保修截止日期"), null=True, blank=True)
    # where the item was sold: the sales order and contract behind the entitlement check
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("销售订单"),
    )
    sales_contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("销售合同"),
    )
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[InstalledProduct]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[InstalledProduct]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("安装档案")
        verbose_name_plural = _("安装档案")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="installed_org_code"),
            # one live record per serial number of a product
            models.UniqueConstraint(
                fields=["org", "product", "serial_number"],
                condition=~Q(serial_number="") & Q(deleted_at__isnull=True),
                name="installed_org_serial",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="installed_org_live"),
            models.Index(fields=["org", "customer", "status"], name="installed_org_customer"),
            models.Index(fields=["org", "serial_number"], name="installed_org_serial_idx"),
            models.Index(fields=["org", "warranty_end"], name="installed_org_warranty"),
        ]

    def __str__(self):
        if self.serial_number:
            return f"{self.product} · {self.serial_number}"
        return f"{self.product} · {self.code}"

    def under_warranty(self, on=None):
        on = on or timezone.localdate()
        return self.warranty_end is not None and on <= self.warranty_end
