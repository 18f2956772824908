"""Opportunities (商机), the pipelines (销售流程) they move through, and their stage history."""

from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.sales.lines import DocumentLine

MONEY_DIGITS = 18
MONEY_PLACES = 2
CENT = Decimal("0.01")


class Pipeline(OrgOwned):
    """A sales process (销售流程): ordered stages an opportunity moves through.

    An org has one default pipeline (new opportunities use it unless another is
    chosen). Its stages end with exactly one won stage and one lost stage.
    """

    name = models.CharField(_("名称"), max_length=60)
    is_default = models.BooleanField(_("默认流程"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("销售流程")
        verbose_name_plural = _("销售流程")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="pipeline_unique_name"),
            models.UniqueConstraint(
                fields=["org"], condition=Q(is_default=True), name="pipeline_one_default"
            ),
        ]
        indexes = [models.Index(fields=["org", "sort_order"], name="pipeline_org_order")]

    def __str__(self):
        return self.name


class Stage(OrgOwned):
    """One step of a pipeline, with the win probability an opportunity takes on entering it.

    ``kind`` says what reaching it means: still open, won (赢单) or lost (输单).
    """

    class Kind(models.TextChoices):
        OPEN = "open", pgettext_lazy("opportunity status", "进行中")
        WON = "won", _("赢单")
        LOST = "lost", _("输单")

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("销售流程")
    )
    name = models.CharField(_("阶段名称"), max_length=60)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("默认赢率（%）"), default=0, validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("销售阶段")
        verbose_name_plural = _("销售阶段")
        ordering = ["pipeline_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability"),
        ]
        indexes = [models.Index(fields=["org", "pipeline", "position"], name="stage_org_order")]

    def __str__(self):
        return self.name

    @property
    def is_closed(self):
        return self.kind != self.Kind.OPEN


class Opportunity(OrgOwned, Versioned):
    """A possible deal (商机) with a customer, moving through a pipeline's stages.

    ``status`` follows the stage's kind: reaching the won stage wins it, the lost
    stage loses it (with a reason from the ``lost_reason`` dictionary). ``owner``
    (负责人) and ``owner_department`` decide who sees it (data scope).
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("opportunity status", "进行中")
        WON = "won", _("赢单")
        LOST = "lost", _("输单")

    code = models.CharField(_("商机编号"), max_length=40)
    name = models.CharField(_("商机名称"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("客户"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        verbose_name=_("联系人"),
    )
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("销售流程")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("阶段")
    )
    probability = models.PositiveSmallIntegerField(
        _("赢率（%）"), default=0, validators=[MaxValueValidator(100)]
    )
    amount = models.DecimalField(
        _("预计金额"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        default=0,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    expected_close_date = models.DateField(_("预计成交日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    lost_reason = models.CharField(_("输单原因"), max_length=40, blank=True)
    lost_note = models.CharField(_("输单说明"), max_length=500, blank=True)
    closed_on = models.DateField(_("赢单/输单日期"), null=True, blank=True)
    # [{"name": "…", "notes": "…"}]: who else the customer is talking to
    competitors = models.JSONField(_("竞争对手"), default=list, blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=40, blank=True)
    description = models.TextField(_("备注"), blank=True)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
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
    # when it entered its current stage: the next move records the days spent there
    stage_entered_at = models.DateTimeField(_("进入阶段时间"), default=timezone.now)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Opportunity]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Opportunity]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("商机")
        verbose_name_plural = _("商机")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="opportunity_unique_code"),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="opportunity_probability"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount"),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="opp_org_live"),
            models.Index(fields=["org", "owner", "status"], name="opp_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="opp_org_dept"),
            models.Index(fields=["org", "customer", "status"], name="opp_org_customer"),
            models.Index(fields=["org", "pipeline", "stage"], name="opp_org_stage"),
            models.Index(fields=["org", "status", "expected_close_date"], name="opp_org_close"),
            # the sales analysis by period: deals closed, opportunities created
            models.Index(fields=["org", "closed_on"], name="opp_org_closed"),
            models.Index(fields=["org", "created_at"], name="opp_org_created"),
        ]

    def __str__(self):
        return self.name

    @property
    def weighted_amount(self):
        return (self.amount * self.probability / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class StageChange(OrgOwned):
    """One move of an opportunity between stages (or its creation: no ``from_stage``).

    ``days_in_previous`` is how long it stayed in ``from_stage``: the sales cycle
    analysis adds these up per stage.
    """

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("商机")
    )
    from_stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("原阶段"),
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("新阶段")
    )
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10)
    probability = models.PositiveSmallIntegerField(_("赢率（%）"), default=0)
    amount = models.DecimalField(
        _("金额"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0
    )
    actor = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    changed_at = models.DateTimeField(_("时间"), default=timezone.now)
    days_in_previous = models.DecimalField(
        _("在原阶段停留天数"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["org", "opportunity", "changed_at"], name="oppstage_org_opp"),
            models.Index(fields=["org", "to_stage", "changed_at"], name="oppstage_org_stage"),
        ]

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"


class OpportunityLine(DocumentLine):
    """A product the customer is expected to buy in this opportunity (商机产品明细)."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="lines", verbose_name=_("商机")
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("商机产品明细")
        verbose_name_plural = _("商机产品明细")
        indexes = [models.Index(fields=["org", "opportunity", "position"], name="oppline_org_opp")]
