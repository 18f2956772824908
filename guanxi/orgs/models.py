"""Orgs (tenants), their departments, roles, employees and setup data."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, TimeStamped, Versioned
from guanxi.core.trees import TreeNode

org_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,39}$",
    _("组织代码只能包含小写字母、数字和连字符，长度 2–40，以字母或数字开头。"),
)


class Organization(TimeStamped):
    """A company using the installation (tenant). Every business record has one."""

    code = models.CharField(
        _("组织代码"), max_length=40, unique=True, validators=[org_code_validator]
    )
    name = models.CharField(_("名称"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self):
        return self.name


class CreditCheckMode(models.TextChoices):
    """What happens to an order that fails the credit check at confirmation."""

    APPROVAL = "approval", _("提交审批")
    REFUSE = "refuse", _("直接拒绝")


class OrgSettings(OrgOwned):
    """System parameters (系统参数) of one org."""

    admin_email = models.EmailField(_("管理员邮箱"), blank=True)
    receivable_reminder_days = models.PositiveSmallIntegerField(
        _("应收款提前提醒天数"), default=7, validators=[MaxValueValidator(365)]
    )
    birthday_reminder_days = models.PositiveSmallIntegerField(
        _("生日提醒提前天数"), default=3, validators=[MaxValueValidator(365)]
    )
    quote_decimals = models.PositiveSmallIntegerField(
        _("报价小数位数"), default=2, validators=[MaxValueValidator(6)]
    )
    contract_decimals = models.PositiveSmallIntegerField(
        _("合同小数位数"), default=2, validators=[MaxValueValidator(6)]
    )
    order_decimals = models.PositiveSmallIntegerField(
        _("订单小数位数"), default=2, validators=[MaxValueValidator(6)]
    )
    price_decimals = models.PositiveSmallIntegerField(
        _("产品价格小数位数"), default=2, validators=[MaxValueValidator(6)]
    )
    currency = models.CharField(
        _("本位币"),
        max_length=3,
        default="CNY",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("请输入三位大写货币代码，如 CNY。"))],
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("财年起始月份"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    churn_threshold_days = models.PositiveSmallIntegerField(
        _("流失预警天数（未再购买）"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    pool_return_days = models.PositiveSmallIntegerField(
        _("公海回收天数（未跟进）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    pool_claim_limit = models.PositiveSmallIntegerField(
        _("每人可领取公海客户上限"), default=50, validators=[MaxValueValidator(100000)]
    )
    repurchase_cycle_days = models.PositiveSmallIntegerField(
        _("复购周期天数"), default=0, validators=[MaxValueValidator(3650)]
    )
    renewal_reminder_days = models.PositiveSmallIntegerField(
        _("续约/复购提前提醒天数"), default=30, validators=[MaxValueValidator(365)]
    )
    # the letterhead (信头) printed on quotes, contracts and statements, under the org's name
    letterhead_address = models.CharField(_("信头地址"), max_length=200, blank=True)
    letterhead_phone = models.CharField(_("信头电话"), max_length=40, blank=True)
    letterhead_email = models.EmailField(_("信头邮箱"), blank=True)
    letterhead_website = models.CharField(_("信头网址"), max_length=200, blank=True)
    quote_discount_limit = models.DecimalField(
        _("报价折扣审批线（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    credit_check_mode = models.CharField(
        _("信用检查未通过时"),
        max_length=10,
        choices=CreditCheckMode.choices,
        default=CreditCheckMode.APPROVAL,
    )
    credit_overdue_days = models.PositiveSmallIntegerField(
        _("逾期容忍天数"), default=30, validators=[MaxValueValidator(3650)]
    )
    credit_overdue_amount = models.DecimalField(
        _("逾期容忍金额"),
        max_digits=18,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    work_start = models.TimeField(_("上班时间"), default=datetime.time(9, 0))
    work_end = models.TimeField(_("下班时间"), default=datetime.time(18, 0))
    # ISO weekdays, 1 = Monday
    work_days = models.JSONField(_("工作日"), default=list)

    class Meta:
        verbose_name = _("系统参数")
        constraints = [models.UniqueConstraint(fields=["org"], name="orgsettings_one_per_org")]

    def decimals_for(self, kind):
        return getattr(self, f"{kind}_decimals")


class Department(OrgOwned, TreeNode):
    """A node of the org's department tree (集团 → 公司 → 分公司 → 办事处 → 小组)."""

    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["path"]
        indexes = [models.Index(fields=["org", "path"], name="department_org_path")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "parent", "name"], name="department_unique_sibling_name"
            ),
            models.UniqueConstraint(
                fields=["org", "name"],
                condition=Q(parent__isnull=True),
                name="department_unique_root_name",
            ),
        ]

    def __str__(self):
        return self.name


class Role(OrgOwned, Versioned):
    """A set of function permissions, special permissions and data scopes.

    ``permissions`` lists codes from ``orgs.permissions``; ``data_scopes`` maps a
    module to ``{"scope": DataScope, "departments": [ids]}``. An admin role holds
    every permission with data scope "all" in every module.
    """

    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    is_admin = models.BooleanField(_("系统管理员"), default=False)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    data_scopes = models.JSONField(_("数据范围"), default=dict, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="role_unique_name")]

    def __str__(self):
        return self.name


class Employee(OrgOwned, Versioned):
    """An org's member who signs in: department, manager, roles, skills, status."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在职")
        LEFT = "left", _("离职")

    class ServiceStatus(models.TextChoices):
        """A service agent's availability (坐席状态): routing only picks ``online`` agents."""

        ONLINE = "online", _("在线")
        BUSY = "busy", _("忙碌")
        OFFLINE = "offline", _("离线")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee"
    )
    name = models.CharField(_("姓名"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="employees", verbose_name=_("部门")
    )
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("上级"),
    )
    roles = models.ManyToManyField(Role, related_name="employees", verbose_name=_("角色"))
    title = models.CharField(_("职务"), max_length=100, blank=True)
    skills = models.JSONField(_("技能"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    mobile = models.CharField(_("手机"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    left_at = models.DateTimeField(_("离职时间"), null=True, blank=True)
    service_status = models.CharField(
        _("坐席状态"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.OFFLINE
    )
    service_status_at = models.DateTimeField(_("坐席状态变更时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["org", "department", "status"], name="employee_org_dept"),
            models.Index(fields=["org", "status", "name"], name="employee_org_status"),
            # ticket routing: the org's online agents
            models.Index(fields=["org", "service_status"], name="employee_org_service"),
        ]

    def __str__(self):
        return self.name

    @property
    def username(self):
        return self.user.username

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class DictionaryEntry(OrgOwned):
    """One value of an editable picklist (数据字典): industry, level, source…"""

    kind = models.CharField(_("字典"), max_length=40)
    code = models.CharField(
        _("代码"),
        max_length=40,
        validators=[RegexValidator(r"^[a-z0-9_]+$", _("代码只能包含小写字母、数字和下划线。"))],
    )
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    color = models.CharField(
        _("颜色"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("颜色格式应为 #RRGGBB。"))],
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("字典项")
        verbose_name_plural = _("字典项")
        ordering = ["kind", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "code"], name="dictentry_unique_code"),
        ]
        indexes = [models.Index(fields=["org", "kind", "sort_order"], name="dictentry_org_kind")]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self):
        from django.utils.translation import get_language

        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label


class NumberingRule(OrgOwned):
    """How codes of one kind of record are made, e.g. ``KH-{yyyy}-{seq:05}``."""

    target = models.CharField(_("对象"), max_length=40)
    pattern = models.CharField(_("规则"), max_length=100)

    class Meta:
        verbose_name = _("编号规则")
        constraints = [
            models.UniqueConstraint(fields=["org", "target"], name="numberingrule_unique_target"),
        ]


class NumberSequence(OrgOwned):
    """The last number handed out for one target in one period (gap-free counter)."""

    target = models.CharField(max_length=40)
    period = models.CharField(max_length=8, blank=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "target", "period"], name="numbersequence_unique"
            ),
        ]


class CustomField(OrgOwned):
    """A field an org admin adds to one kind of record (自定义字段).

    Values live in the record's ``custom`` JSON column under ``code``; see
    ``orgs.custom_fields`` for how they are validated, shown and filtered.
    """

    class FieldType(models.TextChoices):
        TEXT = "text", _("文本")
        NUMBER = "number", _("数字")
        MONEY = "money", _("金额")
        DATE = "date", _("日期")
        CHOICE = "choice", _("单选")
        MULTI_CHOICE = "multi_choice", _("多选")
        EMPLOYEE = "employee", pgettext_lazy("custom field type", "员工")
        BOOLEAN = "boolean", _("是/否")

    entity = models.CharField(_("对象"), max_length=40)
    code = models.CharField(
        _("代码"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$", _("代码以小写字母开头，只能包含小写字母、数字和下划线。")
            )
        ],
    )
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    field_type = models.CharField(_("类型"), max_length=20, choices=FieldType.choices)
    # for choice types: [{"code": "...", "label": "...", "label_en": "..."}]
    choices = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    show_in_list = models.BooleanField(_("在列表中显示"), default=False)
    searchable = models.BooleanField(_("可搜索"), default=False)

    class Meta:
        verbose_name = _("自定义字段")
        verbose_name_plural = _("自定义字段")
        ordering = ["entity", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "entity", "code"], name="customfield_unique_code"
            ),
        ]
        indexes = [models.Index(fields=["org", "entity", "sort_order"], name="customfield_org")]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self):
        from django.utils.translation import get_language

        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label

    def choice_label(self, code):
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        for choice in self.choices:
            if choice.get("code") == code:
                return (english and choice.get("label_en")) or choice.get("label") or code
        return code


class SavedFilter(OrgOwned):
    """A list query an employee named to run again (常用筛选); shared ones are offered to
    everyone in the org. ``query`` is the list's URL query string."""

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("员工")
    )
    entity = models.CharField(_("对象"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    shared = models.BooleanField(_("共享给全组织"), default=False)

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = _("常用筛选")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee", "entity", "name"], name="savedfilter_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["org", "entity", "employee"], name="savedfilter_org")]

    def __str__(self):
        return self.name
