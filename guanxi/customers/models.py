"""Customers (客户) and their contacts (联系人)."""

import datetime
from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager

MONEY_DIGITS = 18
MONEY_PLACES = 2


_UNKNOWN = object()  # the owner a customer was loaded with, when it was not loaded


def month_day(value):
    """``date(1990, 12, 30)`` → ``1230`` (None stays None): the yearly recurring day."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None if value is None else value.month * 100 + value.day


class Customer(OrgOwned, Versioned):
    """A company or person the org sells to.

    ``owner`` (负责人) and ``department`` (负责部门) decide who sees it (data
    scope). Dictionary-backed fields hold the entry's stable code.
    """

    class Lifecycle(models.TextChoices):
        TARGET = "target", _("目标客户")
        POTENTIAL = "potential", _("潜在客户")
        OPPORTUNITY = "opportunity", _("机会客户")
        NEW = "new", _("新客户")
        REPEAT = "repeat", _("老客户")
        DORMANT = "dormant", _("休眠客户")
        LOST = "lost", _("流失客户")

    class ValueTier(models.TextChoices):
        A = "A", _("A 类（重要价值）")
        B = "B", _("B 类（较高价值）")
        C = "C", _("C 类（一般价值）")
        D = "D", _("D 类（低价值）")

    code = models.CharField(_("客户编号"), max_length=40)
    name = models.CharField(_("客户名称"), max_length=200)
    mnemonic = models.CharField(_("助记码"), max_length=60, blank=True)
    is_person = models.BooleanField(_("个人客户"), default=False)
    address = models.CharField(_("办公地址"), max_length=300, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    postcode = models.CharField(_("邮编"), max_length=10, blank=True)
    email = models.EmailField(_("电子邮件"), blank=True)
    region = models.CharField(_("省市区"), max_length=100, blank=True)
    industry = models.CharField(_("行业"), max_length=40, blank=True)
    level = models.CharField(_("客户级别"), max_length=40, blank=True)
    type = models.CharField(_("客户类型"), max_length=40, blank=True)
    status = models.CharField(_("客户状态"), max_length=40, blank=True)
    credit_rating = models.CharField(_("信用等级"), max_length=40, blank=True)
    credit_limit = models.DecimalField(
        _("信用额度"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
        verbose_name=_("上级单位"),
    )
    finance_phone = models.CharField(_("财务电话"), max_length=40, blank=True)
    website = models.CharField(_("网址"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    registered_on = models.DateField(_("登记日期"), default=timezone.localdate)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
        verbose_name=_("负责人"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("负责部门"),
    )
    source = models.CharField(_("客户来源"), max_length=40, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    lifecycle_stage = models.CharField(
        _("生命周期阶段"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.TARGET
    )
    # 价值等级 A/B/C/D, written by the value scoring of the analysis module (blank: not scored)
    value_tier = models.CharField(
        _("价值等级"), max_length=1, choices=ValueTier.choices, blank=True, editable=False
    )
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)
    # search aids, kept by the services: pinyin keys and every phone's digits
    search_keys = models.CharField(max_length=300, blank=True, editable=False)
    phone_digits = models.CharField(max_length=100, blank=True, editable=False)
    # the distinctive part of the name (``selectors.name_core``): "北京华为技术有限公司"
    # and "华为技术（北京）有限公司" both keep "华为技术"; duplicate checks look it up
    name_key = models.CharField(max_length=100, blank=True, editable=False)
    # kept by the activity services: the newest follow-up and the next one planned
    last_followup_at = models.DateTimeField(_("最近跟进"), null=True, blank=True, editable=False)
    next_followup_on = models.DateField(_("下次跟进"), null=True, blank=True, editable=False)
    # set when the customer was merged into another one: links to it keep working
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        editable=False,
        verbose_name=_("合并到"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    # public pool (公海): an unowned customer anyone may claim; the return clock runs
    # from the later of the last follow-up and ``owner_since``
    in_pool = models.BooleanField(_("在公海中"), default=False, editable=False)
    pool_entered_at = models.DateTimeField(_("进入公海时间"), null=True, blank=True, editable=False)
    owner_since = models.DateTimeField(_("负责起始时间"), default=timezone.now, editable=False)
    claimed_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("公海领取人"),
    )
    # month * 100 + day of ``registered_on`` (the yearly cooperation anniversary)
    anniversary_md = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # kept by the lifecycle order events: the date of the newest order (the churn scan's
    # "no purchase for N days" clock); blank while no order is known
    last_order_on = models.DateField(_("最近下单日期"), null=True, blank=True, editable=False)

    objects: ClassVar["OrgScopedManager[Customer]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Customer]"] = OrgScopedManager()  # + recycle bin

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="customer_unique_code"),
        ]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="customer_org_live"),
            # the support mailbox matches a sender to a customer, case-insensitively
            models.Index(F("org"), Upper("email"), name="customer_org_email_ci"),
            models.Index(fields=["org", "owner", "-id"], name="customer_org_owner"),
            models.Index(fields=["org", "department", "-id"], name="customer_org_dept"),
            models.Index(fields=["org", "name"], name="customer_org_name"),
            models.Index(fields=["org", "name_key"], name="customer_org_name_key"),
            models.Index(fields=["org", "in_pool", "-id"], name="customer_org_pool"),
            models.Index(
                fields=["org", "owner_since"],
                condition=Q(owner__isnull=False),
                name="customer_org_owned_since",
            ),
            models.Index(fields=["org", "claimed_by"], name="customer_org_claimed"),
            models.Index(fields=["org", "anniversary_md"], name="customer_org_anniv"),
            # counts per stage, and the churn scan's new/repeat customers by last order
            models.Index(
                fields=["org", "lifecycle_stage", "last_order_on"], name="customer_org_stage_order"
            ),
            # the list's value tier (equality, newest first) and credit limit (range) filters
            models.Index(fields=["org", "value_tier", "-id"], name="customer_org_tier"),
            models.Index(fields=["org", "credit_limit"], name="customer_org_credit"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance._loaded_owner_id = instance.__dict__.get("owner_id", _UNKNOWN)
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "owner" in fields or "owner_id" in fields:
            self._loaded_owner_id = self.owner_id

    def save(self, *args, **kwargs):
        """Keep the derived columns: ``owner_since`` when the owner changes (whoever
        changes it), out of the pool once owned, and the anniversary month-day."""
        extra = {"anniversary_md"}
        self.anniversary_md = month_day(self.registered_on)
        loaded = getattr(self, "_loaded_owner_id", _UNKNOWN)
        if self._state.adding or (loaded is not _UNKNOWN and self.owner_id != loaded):
            if not self._state.adding:
                self.owner_since = timezone.now()
                extra.add("owner_since")
            if self.owner_id is not None and self.in_pool:
                self.in_pool = False
                self.pool_entered_at = None
                extra.update({"in_pool", "pool_entered_at"})
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)
        self._loaded_owner_id = self.owner_id


class Contact(OrgOwned, Versioned):
    """A person at a customer. One contact per customer may be primary."""

    class Gender(models.TextChoices):
        UNKNOWN = "", _("未填写")
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("客户")
    )
    name = models.CharField(_("姓名"), max_length=100)
    mnemonic = models.CharField(_("助记码"), max_length=60, blank=True)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    department_name = models.CharField(_("所在部门"), max_length=100, blank=True)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("上级主管"),
    )
    office_phone = models.CharField(_("办公电话"), max_length=40, blank=True)
    mobile = models.CharField(_("手机"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮件"), blank=True)
    home_phone = models.CharField(_("家庭电话"), max_length=40, blank=True)
    fax = models.CharField(_("传真"), max_length=40, blank=True)
    hobbies = models.CharField(_("个人爱好"), max_length=300, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
        verbose_name=_("负责人"),
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("负责部门"),
    )
    is_primary = models.BooleanField(_("主联系人"), default=False)
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)
    search_keys = models.CharField(max_length=300, blank=True, editable=False)
    phone_digits = models.CharField(max_length=200, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    # month * 100 + day of ``birthday``: upcoming birthdays by an indexed lookup
    birthday_md = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    objects: ClassVar["OrgScopedManager[Contact]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Contact]"] = OrgScopedManager()  # + recycle bin

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "customer"],
                condition=Q(is_primary=True, deleted_at__isnull=True),
                name="contact_one_primary",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "customer", "deleted_at"], name="contact_org_customer"),
            models.Index(fields=["org", "owner", "-id"], name="contact_org_owner"),
            models.Index(fields=["org", "owner_department", "-id"], name="contact_org_dept"),
            models.Index(fields=["org", "birthday_md"], name="contact_org_birthday"),
            # the support mailbox matches a sender to a contact, case-insensitively
            models.Index(F("org"), Upper("email"), name="contact_org_email_ci"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.birthday_md = month_day(self.birthday)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "birthday_md"}
        super().save(*args, **kwargs)


class LifecycleChange(OrgOwned):
    """One move of a customer between lifecycle stages, by hand or by an event."""

    class Reason(models.TextChoices):
        CREATED = "created", pgettext_lazy("lifecycle reason", "新建客户")
        MANUAL = "manual", pgettext_lazy("lifecycle reason", "手动调整")
        FIRST_ORDER = "first_order", pgettext_lazy("lifecycle reason", "首次成交")
        REPEAT_ORDER = "repeat_order", pgettext_lazy("lifecycle reason", "再次购买")
        NO_PURCHASE = "no_purchase", pgettext_lazy("lifecycle reason", "长期未购买")
        DEAL_LOST = "deal_lost", pgettext_lazy("lifecycle reason", "输单")
        OPPORTUNITY = "opportunity", pgettext_lazy("lifecycle reason", "出现商机")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lifecycle_changes"
    )
    from_stage = models.CharField(max_length=20, blank=True)
    to_stage = models.CharField(max_length=20, choices=Customer.Lifecycle.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    actor = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "customer", "-created_at"], name="lifecycle_org_customer"),
        ]


class LifecycleScan(OrgOwned):
    """One run of the daily churn scan of an org: new and repeat customers with no
    order for ``threshold_days`` days became dormant. The lifecycle page shows the
    latest run."""

    threshold_days = models.PositiveSmallIntegerField(_("未购买天数"))
    moved = models.PositiveIntegerField(_("转入休眠"), default=0)
    actor = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("休眠扫描")
        verbose_name_plural = _("休眠扫描")
        ordering = ["-id"]
        indexes = [models.Index(fields=["org", "-id"], name="lifecyclescan_org")]


class CustomerMerge(OrgOwned):
    """The log of one merge: which customers went into which survivor, and what moved."""

    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges")
    merged = models.JSONField(default=list)  # [{"id", "code", "name"}] of the merged-away ones
    moved = models.JSONField(default=dict)  # {kind key: number of records moved}
    fields = models.JSONField(default=dict)  # {field: value taken from a merged-away customer}
    actor = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "survivor", "-created_at"], name="merge_org_survivor"),
        ]


class PoolEvent(OrgOwned):
    """One move of a customer into or out of the public pool (公海), with who did it."""

    class Action(models.TextChoices):
        RELEASE = "release", pgettext_lazy("pool action", "放弃")
        AUTO_RETURN = "auto_return", pgettext_lazy("pool action", "自动回收")
        CLAIM = "claim", pgettext_lazy("pool action", "领取")
        ASSIGN = "assign", pgettext_lazy("pool action", "分配")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="pool_events", verbose_name=_("客户")
    )
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    employee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    previous_owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("原负责人"),
    )
    new_owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("新负责人"),
    )
    reason = models.CharField(_("原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("公海记录")
        verbose_name_plural = _("公海记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org", "-id"], name="poolevent_org"),
            models.Index(fields=["org", "customer", "-id"], name="poolevent_org_customer"),
        ]


class CareRule(OrgOwned, Versioned):
    """A care plan (关怀计划): the daily care run turns it into care tasks for the
    owners of the customers it selects.

    * ``interval``: every ``interval_days`` days from ``starts_on`` for each selected
      customer; the customers are spread over the interval (by id), so a rep's
      visits do not all fall on one day.
    * ``holiday``: a greeting on ``holiday_on`` (every year on that month and day
      when ``yearly``) for every selected customer.

    The selection lists are "any of" (blank: every customer); the task is made
    ``lead_days`` days before its date.
    """

    class Kind(models.TextChoices):
        INTERVAL = "interval", pgettext_lazy("care rule kind", "定期关怀")
        HOLIDAY = "holiday", pgettext_lazy("care rule kind", "节日问候")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.INTERVAL)
    task_title = models.CharField(_("任务标题"), max_length=100, blank=True)
    interval_days = models.PositiveSmallIntegerField(_("间隔天数"), null=True, blank=True)
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    holiday_on = models.DateField(_("节日日期"), null=True, blank=True)
    yearly = models.BooleanField(_("每年重复"), default=False)
    lead_days = models.PositiveSmallIntegerField(_("提前天数"), default=3)
    levels = models.JSONField(_("客户级别"), default=list, blank=True)
    value_tiers = models.JSONField(_("价值等级"), default=list, blank=True)
    stages = models.JSONField(_("生命周期阶段"), default=list, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the latest daily run that looked at the rule, and how many tasks it made
    last_run_on = models.DateField(_("最近执行"), null=True, blank=True, editable=False)
    last_created = models.PositiveIntegerField(_("最近生成任务数"), default=0, editable=False)

    class Meta:
        verbose_name = _("关怀计划")
        verbose_name_plural = _("关怀计划")
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="carerule_unique_name"),
        ]
        indexes = [models.Index(fields=["org", "is_active"], name="carerule_org_active")]

    def __str__(self):
        return self.name


class CareTask(OrgOwned):
    """A care task (关怀任务): a birthday, an anniversary, a holiday greeting or any
    planned gesture for a customer. Done tasks are the customer's care history."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", pgettext_lazy("care kind", "生日")
        ANNIVERSARY = "anniversary", pgettext_lazy("care kind", "合作纪念日")
        HOLIDAY = "holiday", pgettext_lazy("care kind", "节日问候")
        SCHEDULED = "scheduled", pgettext_lazy("care kind", "定期关怀")
        CUSTOM = "custom", pgettext_lazy("care kind", "其他关怀")
        WINBACK = "winback", pgettext_lazy("care kind", "唤醒")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("care status", "待办")
        DONE = "done", pgettext_lazy("care status", "已完成")
        CANCELLED = "cancelled", pgettext_lazy("care status", "已取消")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="care_tasks", verbose_name=_("客户")
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="care_tasks",
        verbose_name=_("联系人"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    title = models.CharField(_("标题"), max_length=200)
    due_on = models.DateField(_("日期"))
    assignee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_tasks",
        verbose_name=_("执行人"),
    )
    assignee_department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("执行部门"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("关怀记录"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the care plan that made the task (blank: by hand, or a birthday/anniversary)
    rule = models.ForeignKey(
        CareRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("关怀计划"),
    )

    class Meta:
        verbose_name = _("关怀任务")
        verbose_name_plural = _("关怀任务")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "contact", "kind", "due_on"],
                condition=Q(kind="birthday"),
                name="care_one_birthday_task",
            ),
            models.UniqueConstraint(
                fields=["org", "customer", "kind", "due_on"],
                condition=Q(kind="anniversary"),
                name="care_one_anniversary_task",
            ),
            # one task per customer and occurrence of a care plan, however often it runs
            models.UniqueConstraint(
                fields=["org", "rule", "customer", "due_on"],
                condition=Q(rule__isnull=False),
                name="care_one_rule_task",
            ),
            # one open win-back task per customer, however often it goes dormant
            models.UniqueConstraint(
                fields=["org", "customer"],
                condition=Q(kind="winback", status="open"),
                name="care_one_open_winback",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "assignee", "status", "due_on"], name="care_org_assignee"),
            models.Index(fields=["org", "customer", "-due_on"], name="care_org_customer"),
            models.Index(fields=["org", "assignee_department", "status"], name="care_org_dept"),
        ]

    def __str__(self):
        return self.title


class RenewalItem(OrgOwned, Versioned):
    """A renewal or repeat purchase due (续约/复购事项): a customer expected to renew a
    contract or to re-order around ``due_on``, and where the follow-up stands.

    Made by hand, by the nightly repeat-purchase run (the customer's last order plus the
    org's ``repurchase_cycle_days``) or by a later module through
    ``renewals.renewal_register`` with its own ``source_type`` / ``source_id`` (a
    contract, an order…): one item per source reference. ``owner`` and ``department``
    are the customer's, copied for the data scope and kept in step when the customer
    changes hands.
    """

    class Kind(models.TextChoices):
        RENEWAL = "renewal", pgettext_lazy("renewal kind", "续约")
        REPURCHASE = "repurchase", pgettext_lazy("renewal kind", "复购")

    class Status(models.TextChoices):
        UNDECIDED = "undecided", pgettext_lazy("renewal status", "未定")
        WILL_RENEW = "will_renew", pgettext_lazy("renewal status", "会续约")
        WONT_RENEW = "wont_renew", pgettext_lazy("renewal status", "不续约")
        RENEWED = "renewed", pgettext_lazy("renewal status", "已续约")

    class Source(models.TextChoices):
        MANUAL = "manual", pgettext_lazy("renewal source", "手工添加")
        CYCLE = "cycle", pgettext_lazy("renewal source", "复购周期")
        MODULE = "module", pgettext_lazy("renewal source", "业务单据")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="renewal_items", verbose_name=_("客户")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.REPURCHASE)
    due_on = models.DateField(_("到期日期"))
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    # what the item stands for in the module that registered it (e.g. "contract" + its id,
    # or "cycle" + customer:last order date); blank for items made by hand
    source_type = models.CharField(_("来源类型"), max_length=40, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    title = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("跟进状态"), max_length=20, choices=Status.choices, default=Status.UNDECIDED
    )
    note = models.CharField(_("跟进备注"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("续约时间"), null=True, blank=True)
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责部门"),
    )
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("续约/复购事项")
        verbose_name_plural = _("续约/复购事项")
        ordering = ["due_on", "id"]
        constraints = [
            # a source reference registers one item, however often it is registered
            models.UniqueConstraint(
                fields=["org", "source_type", "source_id"],
                condition=~Q(source_type=""),
                name="renewal_one_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "due_on", "id"], name="renewal_org_due"),
            models.Index(fields=["org", "owner", "due_on"], name="renewal_org_owner_due"),
            models.Index(fields=["org", "department", "due_on"], name="renewal_org_dept_due"),
            models.Index(fields=["org", "customer", "status"], name="renewal_org_customer"),
        ]

    def __str__(self):
        return self.title
