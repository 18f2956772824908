"""Repairs (产品维修), service fees (服务收费标准), packing lists (装箱单) and service
outlets (服务网点).

A service outlet covers regions (prefixes of the customers' 省市区 text: "广东省",
"广东省 深圳市"); a new repair goes to the outlet whose coverage matches the customer's
region most closely. The outlet's fee list (or the org's default one) prices the work:
labour per hour, the call-out fee, per-product part prices and a discount. A repair
keeps the rates it was priced with, so a later change of the fee list does not move the
amounts of work already done. A packing list ships parts (of a repair, or for a delivery).
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import MONEY

QUANTITY: dict = {"max_digits": 18, "decimal_places": 4}
HOURS: dict = {"max_digits": 8, "decimal_places": 2}
PERCENT: dict = {"max_digits": 5, "decimal_places": 2}


class FeeList(OrgOwned, Versioned):
    """A service fee list (服务收费标准): the prices of field and workshop service."""

    name = models.CharField(_("名称"), max_length=100)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    labour_rate = models.DecimalField(_("工时费（每小时）"), default=0, **MONEY)
    call_out_fee = models.DecimalField(_("上门费"), default=0, **MONEY)
    discount_percent = models.DecimalField(_("折扣（%）"), default=0, **PERCENT)
    is_default = models.BooleanField(_("默认"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("服务收费标准")
        verbose_name_plural = _("服务收费标准")
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="feelist_org_name"),
            models.UniqueConstraint(
                fields=["org"], condition=Q(is_default=True), name="feelist_org_one_default"
            ),
        ]
        indexes = [models.Index(fields=["org", "active"], name="feelist_org_active")]

    def __str__(self):
        return self.name


class FeeListItem(OrgOwned):
    """A part price of one product in a fee list, overriding the product's list price."""

    fee_list = models.ForeignKey(
        FeeList, on_delete=models.CASCADE, related_name="items", verbose_name=_("收费标准")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("产品")
    )
    price = models.DecimalField(_("配件价格"), **MONEY)

    class Meta:
        verbose_name = _("配件价格")
        verbose_name_plural = _("配件价格")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "fee_list", "product"], name="feelistitem_org_product"
            )
        ]
        indexes = [models.Index(fields=["org", "fee_list"], name="feelistitem_org_list")]

    def __str__(self):
        return f"{self.product_id} {self.price}"


class ServiceOutlet(OrgOwned, Versioned):
    """A service outlet (服务网点): a workshop or field team and the regions it covers."""

    class Kind(models.TextChoices):
        OWN = "own", _("自营")
        AUTHORIZED = "authorized", _("授权")

    code = models.CharField(_("网点编号"), max_length=40)
    name = models.CharField(_("网点名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OWN)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    manager = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("网点负责人"),
    )
    technicians = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("维修技师")
    )
    # region prefixes in the canonical form of core.regions ("广东省", "广东省 深圳市")
    coverage = models.JSONField(_("覆盖地区"), default=list, blank=True)
    fee_list = models.ForeignKey(
        FeeList,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outlets",
        verbose_name=_("收费标准"),
    )
    active = models.BooleanField(_("启用"), default=True)
    notes = models.TextField(_("备注"), blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[ServiceOutlet]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[ServiceOutlet]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("服务网点")
        verbose_name_plural = _("服务网点")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "code"],
                condition=Q(deleted_at__isnull=True),
                name="outlet_org_code",
            )
        ]
        indexes = [models.Index(fields=["org", "deleted_at", "active"], name="outlet_org_live")]

    def __str__(self):
        return self.name


class Repair(OrgOwned, Versioned):
    """A repair job (维修单). ``owner`` is the technician; ``owner``/``owner_department``
    decide who sees it (module ``repairs``)."""

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("repair status", "已接收")
        DIAGNOSING = "diagnosing", pgettext_lazy("repair status", "检测中")
        REPAIRING = "repairing", pgettext_lazy("repair status", "维修中")
        WAITING_PARTS = "waiting_parts", pgettext_lazy("repair status", "待配件")
        DONE = "done", pgettext_lazy("repair status", "已修复")
        RETURNED = "returned", pgettext_lazy("repair status", "已交付")
        CANCELLED = "cancelled", pgettext_lazy("repair status", "已取消")

    OPEN_STATUSES = ("received", "diagnosing", "repairing", "waiting_parts", "done")

    code = models.CharField(_("维修单号"), max_length=40)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repairs",
        verbose_name=_("服务工单"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    installed_product = models.ForeignKey(
        "installed_products.InstalledProduct",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repairs",
        verbose_name=_("安装档案"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("维修产品"),
    )
    serial_number = models.CharField(_("序列号"), max_length=100, blank=True)
    outlet = models.ForeignKey(
        ServiceOutlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs",
        verbose_name=_("服务网点"),
    )
    outlet_reason = models.CharField(_("网点分派原因"), max_length=300, blank=True)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("维修技师"),
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责部门"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    fault_description = models.TextField(_("故障描述"))
    diagnosis = models.TextField(_("检测结果"), blank=True)
    result = models.TextField(_("维修结果"), blank=True)
    received_on = models.DateField(_("接收日期"), default=timezone.localdate)
    done_on = models.DateField(_("修复日期"), null=True, blank=True)
    returned_on = models.DateField(_("交付日期"), null=True, blank=True)
    chargeable = models.BooleanField(_("收费"), default=True)
    entitlement_note = models.CharField(_("保修/合同说明"), max_length=500, blank=True)
    labour_hours = models.DecimalField(_("工时（小时）"), default=0, **HOURS)
    call_out = models.BooleanField(_("上门服务"), default=False)
    # the rates the repair is priced with, taken from the fee list when it is made or
    # moves to another outlet
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    labour_rate = models.DecimalField(_("工时费（每小时）"), default=0, **MONEY)
    call_out_fee = models.DecimalField(_("上门费"), default=0, **MONEY)
    discount_percent = models.DecimalField(_("折扣（%）"), default=0, **PERCENT)
    fee_list = models.ForeignKey(
        FeeList,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("收费标准"),
    )
    labour_amount = models.DecimalField(_("工时费"), default=0, **MONEY)
    parts_amount = models.DecimalField(_("配件费"), default=0, **MONEY)
    call_out_amount = models.DecimalField(_("上门费金额"), default=0, **MONEY)
    discount_amount = models.DecimalField(_("折扣金额"), default=0, **MONEY)
    value = models.DecimalField(_("维修价值"), default=0, **MONEY)
    total = models.DecimalField(_("应收费用"), default=0, **MONEY)
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Repair]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Repair]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("维修单")
        verbose_name_plural = _("维修单")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="repair_org_code")]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="repair_org_live"),
            models.Index(fields=["org", "owner", "-id"], name="repair_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="repair_org_dept"),
            models.Index(fields=["org", "customer", "status"], name="repair_org_customer"),
            models.Index(fields=["org", "status", "-id"], name="repair_org_status"),
            models.Index(fields=["org", "outlet", "status"], name="repair_org_outlet"),
            models.Index(fields=["org", "ticket"], name="repair_org_ticket"),
            models.Index(fields=["org", "installed_product"], name="repair_org_installed"),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        if self.owner is not None and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def parts_editable(self):
        return self.status not in (self.Status.RETURNED, self.Status.CANCELLED)


class RepairPart(OrgOwned):
    """A part used in a repair; ``unit_price`` comes from the fee list or the product."""

    class PriceSource(models.TextChoices):
        FEE_LIST = "fee_list", _("收费标准")
        PRODUCT = "product", _("产品价格")
        MANUAL = "manual", _("手工")

    repair = models.ForeignKey(
        Repair, on_delete=models.CASCADE, related_name="parts", verbose_name=_("维修单")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("配件")
    )
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    unit_price = models.DecimalField(_("单价"), **MONEY)
    price_source = models.CharField(
        _("价格来源"), max_length=10, choices=PriceSource.choices, default=PriceSource.PRODUCT
    )
    amount = models.DecimalField(_("金额"), **MONEY)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("维修配件")
        verbose_name_plural = _("维修配件")
        ordering = ["id"]
        indexes = [models.Index(fields=["org", "repair", "id"], name="repairpart_org_repair")]

    def __str__(self):
        return f"{self.product_id} × {self.quantity}"


class PackingList(OrgOwned, Versioned):
    """A packing list (装箱单): what is shipped to a customer, for a repair or a delivery.
    ``owner``/``owner_department`` (who made it) decide who sees it (module ``repairs``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("packing status", "草稿")
        PACKED = "packed", pgettext_lazy("packing status", "已装箱")
        SHIPPED = "shipped", pgettext_lazy("packing status", "已发货")
        DELIVERED = "delivered", pgettext_lazy("packing status", "已签收")

    code = models.CharField(_("装箱单号"), max_length=40)
    repair = models.ForeignKey(
        Repair,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="packing_lists",
        verbose_name=_("维修单"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    ship_to_name = models.CharField(_("收货人"), max_length=100)
    ship_to_phone = models.CharField(_("收货电话"), max_length=40, blank=True)
    ship_to_address = models.CharField(_("收货地址"), max_length=300)
    carrier = models.CharField(_("承运商"), max_length=100, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    shipped_on = models.DateField(_("发货日期"), null=True, blank=True)
    delivered_on = models.DateField(_("签收日期"), null=True, blank=True)
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
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[PackingList]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[PackingList]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("装箱单")
        verbose_name_plural = _("装箱单")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="packinglist_org_code")]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="packing_org_live"),
            models.Index(fields=["org", "owner", "-id"], name="packing_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="packing_org_dept"),
            models.Index(fields=["org", "customer", "status"], name="packing_org_customer"),
            models.Index(fields=["org", "repair"], name="packing_org_repair"),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        if self.owner is not None and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    @property
    def lines_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.PACKED)


class PackingLine(OrgOwned):
    packing_list = models.ForeignKey(
        PackingList, on_delete=models.CASCADE, related_name="lines", verbose_name=_("装箱单")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("产品")
    )
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    serial_numbers = models.TextField(_("序列号"), blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("装箱明细")
        verbose_name_plural = _("装箱明细")
        ordering = ["id"]
        indexes = [models.Index(fields=["org", "packing_list", "id"], name="packline_org_list")]

    def __str__(self):
        return f"{self.product_id} × {self.quantity}"
