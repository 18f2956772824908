"""Leads (线索): prospects not yet customers, their scoring rules and assignment rules."""

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager

MAX_SCORE = 100


class Lead(OrgOwned, Versioned):
    """A prospect: a company and a person at it who may buy, not yet a customer.

    ``owner`` (负责人) and ``owner_department`` decide who sees it (data scope of the
    ``leads`` module); a lead without an owner waits in the lead pool (线索池), where
    everyone with ``leads.view`` sees it. Converting a lead makes a customer, a contact
    and optionally an opportunity (``converted_*``) and locks the lead.

    ``campaign`` is the id of the marketing campaign the lead came from. It is a plain
    indexed integer column named ``campaign_id`` until the marketing module exists; that
    module turns it into a foreign key on the same column without moving data.
    """

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("lead status", "新线索")
        CONTACTED = "contacted", pgettext_lazy("lead status", "已联系")
        QUALIFIED = "qualified", pgettext_lazy("lead status", "已确认")
        CONVERTED = "converted", pgettext_lazy("lead status", "已转化")
        DISQUALIFIED = "disqualified", pgettext_lazy("lead status", "无效")

    class Size(models.TextChoices):
        UNKNOWN = "", pgettext_lazy("company size", "未填写")
        TINY = "1-19", pgettext_lazy("company size", "1–19 人")
        SMALL = "20-99", pgettext_lazy("company size", "20–99 人")
        MEDIUM = "100-499", pgettext_lazy("company size", "100–499 人")
        LARGE = "500-999", pgettext_lazy("company size", "500–999 人")
        HUGE = "1000+", pgettext_lazy("company size", "1000 人以上")

    code = models.CharField(_("线索编号"), max_length=40)
    company_name = models.CharField(_("公司名称"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人姓名"), max_length=100)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    mobile = models.CharField(_("手机"), max_length=40, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮件"), blank=True)
    region = models.CharField(_("省市区"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    industry = models.CharField(_("行业"), max_length=40, blank=True)
    size = models.CharField(_("企业规模"), max_length=10, choices=Size.choices, blank=True)
    source = models.CharField(_("线索来源"), max_length=40, blank=True)
    campaign = models.BigIntegerField(_("营销活动"), null=True, blank=True, db_column="campaign_id")
    notes = models.TextField(_("备注"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    disqualified_reason = models.CharField(_("无效原因"), max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(
        _("评分"), default=0, validators=[MaxValueValidator(MAX_SCORE)], editable=False
    )
    # [{"criterion", "value", "points", "detail"}]: the rules that gave the score
    score_breakdown = models.JSONField(_("评分明细"), default=list, blank=True, editable=False)
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True, editable=False)
    # engagement, counted by the scoring from the lead's follow-ups
    activity_count = models.PositiveIntegerField(_("跟进次数"), default=0, editable=False)
    response_count = models.PositiveIntegerField(_("回应次数"), default=0, editable=False)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
        verbose_name=_("负责人"),
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("负责部门"),
    )
    assignment_rule = models.ForeignKey(
        "leads.AssignmentRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("分配规则"),
    )
    assignment_reason = models.CharField(_("分配说明"), max_length=200, blank=True, editable=False)
    converted_customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("转化的客户"),
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("转化的联系人"),
    )
    converted_opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("转化的商机"),
    )
    converted_at = models.DateTimeField(_("转化时间"), null=True, blank=True, editable=False)
    converted_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("转化人"),
    )
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("创建人"),
    )
    search_keys = models.CharField(max_length=300, blank=True, editable=False)
    phone_digits = models.CharField(max_length=100, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Lead]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Lead]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="lead_unique_code"),
            models.CheckConstraint(condition=Q(score__lte=MAX_SCORE), name="lead_score_max"),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="lead_org_live"),
            models.Index(fields=["org", "owner", "status", "-id"], name="lead_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="lead_org_dept"),
            models.Index(fields=["org", "status", "-id"], name="lead_org_status"),
            models.Index(fields=["org", "score"], name="lead_org_score"),
            models.Index(fields=["org", "campaign"], name="lead_org_campaign"),
            models.Index(fields=["org", "converted_customer"], name="lead_org_customer"),
        ]

    def __str__(self):
        return self.company_name or self.contact_name

    @property
    def is_locked(self):
        """A converted lead is a record of what it became: it no longer changes."""
        return self.status == self.Status.CONVERTED

    @property
    def display_name(self):
        if self.company_name and self.contact_name:
            return f"{self.company_name} · {self.contact_name}"
        return self.company_name or self.contact_name


class LeadSetup(OrgOwned):
    """One row per org: whether the default scoring rules were put in place (so an admin
    who deletes them all keeps none), and when the scoring rules last changed."""

    scoring_defaults_loaded = models.BooleanField(default=False)
    rules_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org"], name="leadsetup_one_per_org")]


class ScoringRule(OrgOwned):
    """One line of the lead score: when ``criterion`` matches ``value``, add ``points``.

    Fit criteria match the lead's field (industry and source: the picklist code; region:
    the lead's region contains the value, so "广东" matches "广东省 深圳市"; size: the
    band). Engagement criteria match when the lead has at least ``value`` follow-ups
    (``activities``) or follow-ups with a recorded outcome (``responses``). Per criterion
    only the best matching rule counts; the total is kept within 0–100."""

    class Criterion(models.TextChoices):
        INDUSTRY = "industry", pgettext_lazy("scoring criterion", "行业")
        REGION = "region", pgettext_lazy("scoring criterion", "地区")
        SIZE = "size", pgettext_lazy("scoring criterion", "企业规模")
        SOURCE = "source", pgettext_lazy("scoring criterion", "线索来源")
        ACTIVITIES = "activities", pgettext_lazy("scoring criterion", "跟进次数不少于")
        RESPONSES = "responses", pgettext_lazy("scoring criterion", "客户回应次数不少于")

    criterion = models.CharField(_("评分项"), max_length=20, choices=Criterion.choices)
    value = models.CharField(_("取值"), max_length=100)
    points = models.SmallIntegerField(
        _("分值"), validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("线索评分规则")
        verbose_name_plural = _("线索评分规则")
        ordering = ["criterion", "-points", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "criterion", "value"], name="lead_scoring_unique_value"
            ),
        ]
        indexes = [models.Index(fields=["org", "is_active"], name="lead_scoring_org_active")]

    def __str__(self):
        return f"{self.get_criterion_display()} {self.value}: {self.points:+d}"


class AssignmentRule(OrgOwned):
    """Who gets a new lead that has no owner: the first active rule (by ``position``)
    whose source and region match (blank matches any) gives it to ``employee``, or in
    turn to the active employees of ``department`` (round robin; ``last_assigned`` is
    the one who got the previous lead by this rule)."""

    class Method(models.TextChoices):
        ROUND_ROBIN = "round_robin", pgettext_lazy("assignment method", "部门内轮流分配")
        EMPLOYEE = "employee", pgettext_lazy("assignment method", "分配给指定员工")

    name = models.CharField(_("规则名称"), max_length=100)
    position = models.PositiveSmallIntegerField(_("顺序"), default=10)
    is_active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("线索来源"), max_length=40, blank=True)
    region = models.CharField(_("地区包含"), max_length=100, blank=True)
    method = models.CharField(
        _("分配方式"), max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("部门"),
    )
    employee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指定员工"),
    )
    last_assigned = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("上次分配给"),
    )
    assigned_count = models.PositiveIntegerField(_("已分配数"), default=0, editable=False)

    class Meta:
        verbose_name = _("线索分配规则")
        verbose_name_plural = _("线索分配规则")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["org", "is_active", "position"], name="lead_assign_order")]

    def __str__(self):
        return self.name
