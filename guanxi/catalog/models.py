"""The product catalogue (产品管理): category tree, product lines and products."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.trees import TreeNode

# Prices keep at most this many decimal places; the org's ``price_decimals``
# (系统参数) rounds them further at the boundary.
PRICE_DECIMAL_PLACES = 4
PRICE_MAX_DIGITS = 18


class ProductCategory(OrgOwned, TreeNode):
    """A node of the org's product category tree (办公设备 → 打印机 → 激光打印机)."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("分类代码"), max_length=40, blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("产品分类")
        verbose_name_plural = _("产品分类")
        ordering = ["path"]
        indexes = [models.Index(fields=["org", "path"], name="productcategory_org_path")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "parent", "name"], name="productcategory_unique_sibling"
            ),
            models.UniqueConstraint(
                fields=["org", "name"],
                condition=Q(parent__isnull=True),
                name="productcategory_unique_root",
            ),
            models.UniqueConstraint(
                fields=["org", "code"], condition=~Q(code=""), name="productcategory_unique_code"
            ),
        ]

    def __str__(self):
        return self.name


class ProductLine(OrgOwned):
    """A product line (产品线). How many lines a customer buys from measures loyalty
    ("coverage"); a product may belong to several lines."""

    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("产品线")
        verbose_name_plural = _("产品线")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="productline_unique_name"),
        ]

    def __str__(self):
        return self.name


class Product(OrgOwned, Versioned):
    """Something the org sells: goods (自制/外购/代销) or intangibles (培训/服务)."""

    class Kind(models.TextChoices):
        SELF_MADE = "self_made", _("自制")
        PURCHASED = "purchased", _("外购")
        CONSIGNMENT = "consignment", _("代销")
        TRAINING = "training", _("培训")
        SERVICE = "service", _("服务")

    # the audit log shows these fields only to readers holding the permission
    AUDIT_SENSITIVE = {"cost_price": "special.view_cost"}

    INTANGIBLE_KINDS = frozenset({Kind.TRAINING, Kind.SERVICE})

    code = models.CharField(_("产品编号"), max_length=40)
    name = models.CharField(_("产品名称"), max_length=200)
    mnemonic = models.CharField(_("助记码"), max_length=60, blank=True)
    category = models.ForeignKey(
        ProductCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("分类"),
    )
    kind = models.CharField(
        _("产品类型"), max_length=20, choices=Kind.choices, default=Kind.PURCHASED
    )
    spec = models.CharField(_("规格"), max_length=200, blank=True)
    model = models.CharField(_("型号"), max_length=100, blank=True)
    # code of an entry of the org's "unit" dictionary (数据字典 · 计量单位)
    unit = models.CharField(_("计量单位"), max_length=40, blank=True)
    list_price = models.DecimalField(
        _("标准售价"), max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, default=0
    )
    # null = not recorded; only employees with special.view_cost see or set it
    cost_price = models.DecimalField(
        _("成本价"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=PRICE_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    tax_rate = models.DecimalField(_("税率（%）"), max_digits=5, decimal_places=2, default=0)
    active = models.BooleanField(_("启用"), default=True)
    product_lines = models.ManyToManyField(
        ProductLine, blank=True, related_name="products", verbose_name=_("产品线")
    )
    # values of the org's custom fields for products (orgs.custom_fields)
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="product_unique_code"),
        ]
        indexes = [
            models.Index(fields=["org", "name"], name="product_org_name"),
            models.Index(fields=["org", "category"], name="product_org_category"),
            models.Index(fields=["org", "active"], name="product_org_active"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}" if self.code else self.name

    @property
    def tangible(self):
        """Goods are tangible; training and service are not."""
        return self.kind not in self.INTANGIBLE_KINDS

    @property
    def margin(self):
        """List price minus cost (毛利), or None when the cost is not recorded."""
        if self.cost_price is None or self.list_price is None:
            return None
        return self.list_price - self.cost_price

    @property
    def margin_rate(self):
        """Gross margin as a percentage of the list price, or None."""
        margin = self.margin
        if margin is None or not self.list_price:
            return None
        return margin * 100 / self.list_price
