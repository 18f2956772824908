"""Service contracts (服务合同): what a customer bought of service, for which items, for
which period, with which promise.

A contract covers items through ``ServiceContractItem`` rows: one installed product, or a
product (every unit of it the customer has). It is a draft until activated (signed);
active while its period runs; a daily job marks it expired after its end date; it can be
cancelled. Renewing makes the next period's draft (``renewal_of``) with the same
coverage. ``owner``/``owner_department`` decide who sees it (module
``service_contracts``).
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import MONEY


class ServiceContract(OrgOwned, Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("生效中")
        EXPIRED = "expired", _("已到期")
        CANCELLED = "cancelled", _("已取消")

    code = models.CharField(_("合同编号"), max_length=40)
    title = models.CharField(_("合同名称"), max_length=200)
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
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    # the response promise: minutes to the first response and to the resolution, hours
    # until an engineer is on site (empty: not promised)
    first_response_minutes = models.PositiveIntegerField(
        _("首次响应（分钟）"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(_("解决时限（分钟）"), null=True, blank=True)
    onsite_response_hours = models.PositiveIntegerField(
        _("上门响应（小时）"), null=True, blank=True
    )
    # on-site visits included in the period (empty: not limited)
    visits_included = models.PositiveIntegerField(_("包含上门次数"), null=True, blank=True)
    price = models.DecimalField(_("合同金额"), default=0, **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    billing_notes = models.TextField(_("收费说明"), blank=True)
    renewal_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewals",
        verbose_name=_("续签自"),
    )
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
    activated_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[ServiceContract]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[ServiceContract]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="svccontract_org_code"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="svccontract_period"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="svccontract_price"),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="svccontract_org_live"),
            models.Index(fields=["org", "owner", "-id"], name="svccontract_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="svccontract_org_dept"),
            models.Index(fields=["org", "customer", "status"], name="svccontract_org_customer"),
            models.Index(fields=["org", "status", "end_date"], name="svccontract_org_end"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        if self.owner is not None and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.ACTIVE)

    def covers_day(self, day=None):
        day = day or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.start_date <= day <= self.end_date


class ServiceContractItem(OrgOwned):
    """One covered item: an installed product, or a product (all the customer's units)."""

    contract = models.ForeignKey(
        ServiceContract, on_delete=models.CASCADE, related_name="items", verbose_name=_("服务合同")
    )
    installed_product = models.ForeignKey(
        "installed_products.InstalledProduct",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("安装档案"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("产品"),
    )

    class Meta:
        verbose_name = _("服务合同覆盖项")
        verbose_name_plural = _("服务合同覆盖项")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(installed_product__isnull=False) & Q(product__isnull=True))
                | (Q(installed_product__isnull=True) & Q(product__isnull=False)),
                name="svcitem_one_target",
            ),
            models.UniqueConstraint(
                fields=["org", "contract", "installed_product"],
                condition=Q(installed_product__isnull=False),
                name="svcitem_unique_installed",
            ),
            models.UniqueConstraint(
                fields=["org", "contract", "product"],
                condition=Q(product__isnull=False),
                name="svcitem_unique_product",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "contract"], name="svcitem_org_contract"),
            models.Index(fields=["org", "installed_product"], name="svcitem_org_installed"),
            models.Index(fields=["org", "product"], name="svcitem_org_product"),
        ]

    def __str__(self):
        return str(self.installed_product or self.product)
