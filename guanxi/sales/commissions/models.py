"""Commissions (佣金): rules with progressive tiers, and a statement per employee per period.

A ``CommissionRule`` (佣金规则) says who earns what: on which basis (collected amount 回款额
or order amount 订单金额), for whom (everyone, the holders of a role, or chosen employees),
optionally only for one product line, during which dates, and at which rates: its
``CommissionTier`` rows are progressive bands over the employee's period total under the
rule (0–100,000 at 3 %, above at 5 %); one tier from 0 is a flat rate. Rules are org-wide
sales setup (``sales_setup.view`` / ``sales_setup.edit``).

A ``CommissionStatement`` (佣金结算单) is one employee's commission for one period (a month
``YYYY-MM`` or a quarter ``YYYY-Qn``), computed from the orders and collections of the
period; its ``CommissionLine`` rows keep each source document, base amount, rule and rate
so the figure can be explained, plus manual adjustments. It is an owned record of module
``commissions`` (``owner`` = the employee it is for). Approved statements are locked.
"""

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager
from guanxi.sales.lines import MONEY

RATE: dict[str, Any] = {"max_digits": 9, "decimal_places": 4}


class Basis(models.TextChoices):
    COLLECTED = "collected", pgettext_lazy("commission basis", "回款额")
    ORDER = "order", pgettext_lazy("commission basis", "订单金额")


class CommissionRule(OrgOwned, Versioned):
    """A commission rule (佣金规则): basis, who it applies to, product line, validity, tiers."""

    class AppliesTo(models.TextChoices):
        ALL = "all", pgettext_lazy("commission applies to", "全体员工")
        ROLE = "role", pgettext_lazy("commission applies to", "指定角色")
        EMPLOYEES = "employees", pgettext_lazy("commission applies to", "指定员工")

    Basis = Basis

    name = models.CharField(_("规则名称"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)
    basis = models.CharField(_("计提基数"), max_length=10, choices=Basis.choices)
    applies_to = models.CharField(
        _("适用对象"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    role = models.ForeignKey(
        "orgs.Role",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("角色"),
    )
    employees = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("员工")
    )
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("产品线"),
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    notes = models.CharField(_("说明"), max_length=500, blank=True)

    objects: ClassVar["OrgScopedManager[CommissionRule]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("佣金规则")
        verbose_name_plural = _("佣金规则")
        ordering = ["-active", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="commission_rule_unique_name"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="commission_rule_valid_range",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "active", "valid_from"], name="commission_rule_active"),
        ]

    def __str__(self):
        return self.name

    @property
    def specificity(self):
        """Precedence rank: employee > role > all, then a product line over none."""
        scope = {"employees": 3, "role": 2, "all": 1}[self.applies_to]
        return scope * 2 + (1 if self.product_line_id else 0)


class CommissionTier(OrgOwned):
    """One progressive band of a rule: ``rate`` % on the part of the period total from
    ``from_amount`` up to the next tier's ``from_amount``."""

    rule = models.ForeignKey(CommissionRule, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField(_("序号"))
    from_amount = models.DecimalField(_("起点金额"), **MONEY)
    rate = models.DecimalField(_("比例（%）"), **RATE)

    objects: ClassVar["OrgScopedManager[CommissionTier]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("佣金阶梯")
        verbose_name_plural = _("佣金阶梯")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=100), name="commission_tier_rate_percent"
            ),
            models.CheckConstraint(
                condition=Q(from_amount__gte=0), name="commission_tier_from_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["org", "rule", "position"], name="commission_tier_rule")]

    def __str__(self):
        return f"≥ {self.from_amount}: {self.rate}%"


class CommissionStatement(OrgOwned, Versioned):
    """One employee's commission for one period (佣金结算单)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("commission status", "草稿")
        PENDING = "pending", pgettext_lazy("commission status", "审批中")
        APPROVED = "approved", pgettext_lazy("commission status", "已审批")

    owner = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("员工")
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("部门"),
    )
    period = models.CharField(_("期间"), max_length=7)
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    base_total = models.DecimalField(_("计提基数合计"), default=0, **MONEY)
    commission_total = models.DecimalField(_("计算佣金"), default=0, **MONEY)
    adjustment_total = models.DecimalField(_("调整金额"), default=0, **MONEY)
    total = models.DecimalField(_("佣金合计"), default=0, **MONEY)
    notes = models.CharField(_("备注"), max_length=500, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审批通过时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[CommissionStatement]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("佣金结算单")
        verbose_name_plural = _("佣金结算单")
        ordering = ["-period", "owner_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "owner", "period"], name="commission_statement_unique_period"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "period", "status"], name="commission_stmt_period"),
            models.Index(fields=["org", "owner", "period"], name="commission_stmt_owner"),
            models.Index(fields=["org", "owner_department", "period"], name="commission_stmt_dept"),
        ]

    def __str__(self):
        return f"{self.period} {self.owner}"

    @property
    def is_locked(self):
        return self.status == self.Status.APPROVED

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class CommissionLine(OrgOwned):
    """One line of a statement: the commission on one source document under one rule
    (or a manual adjustment)."""

    class Kind(models.TextChoices):
        ORDER = "order", pgettext_lazy("commission line", "订单")
        COLLECTED = "collected", pgettext_lazy("commission line", "回款")
        ADJUSTMENT = "adjustment", pgettext_lazy("commission line", "手工调整")

    statement = models.ForeignKey(
        CommissionStatement, on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    position = models.PositiveIntegerField(_("序号"), default=0)
    rule = models.ForeignKey(
        CommissionRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("规则"),
    )
    rule_name = models.CharField(_("规则名称"), max_length=100, blank=True)
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("产品线"),
    )
    product_line_name = models.CharField(_("产品线名称"), max_length=100, blank=True)
    source_id = models.PositiveBigIntegerField(_("来源单据 ID"), null=True, blank=True)
    source_code = models.CharField(_("来源单号"), max_length=60, blank=True)
    receivable_code = models.CharField(_("应收编号"), max_length=40, blank=True)
    customer_name = models.CharField(_("客户"), max_length=200, blank=True)
    source_date = models.DateField(_("单据日期"), null=True, blank=True)
    base_amount = models.DecimalField(_("计提基数"), default=0, **MONEY)
    rate = models.DecimalField(_("比例（%）"), null=True, blank=True, **RATE)
    commission = models.DecimalField(_("佣金"), **MONEY)
    reason = models.CharField(_("调整原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[CommissionLine]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("佣金明细")
        verbose_name_plural = _("佣金明细")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["org", "statement", "position"], name="commission_line_stmt"),
        ]

    def __str__(self):
        return f"{self.source_code or self.reason}: {self.commission}"
