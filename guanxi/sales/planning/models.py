"""Sales targets (销售计划) and forecast snapshots (销售预测快照).

A ``SalesTarget`` is a planned figure for one subject (an employee OR a department) in one
period (a month, a quarter or a year, stored as ``period_kind`` + ``period_start``, with
``period_end`` kept beside it so the figures can filter on dates) of one measure (order
amount, collected amount or quantity), optionally narrowed to a product line. Its actual
figure is never stored: the selectors compute it from orders and payments on each read.

Data scope (module ``sales_targets``): an employee's target is owned by the employee
(``owner``) in their department; a department's target has no owner and its
``owner_department`` is the department itself.

A ``ForecastSnapshot`` keeps what the forecast said for one month at the start of that
month (weighted pipeline closing in the month and the projection from the past 12
months), for the org, a department (its subtree) or an employee, so the month's actual can
later be compared with it. One row per (month, subject): taking it again adds nothing.
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager
from guanxi.sales.lines import MONEY


class SalesTarget(OrgOwned, Versioned):
    """A sales target of an employee or a department for one period and measure."""

    class PeriodKind(models.TextChoices):
        MONTH = "month", pgettext_lazy("period kind", "月度")
        QUARTER = "quarter", pgettext_lazy("period kind", "季度")
        YEAR = "year", pgettext_lazy("period kind", "年度")

    class Measure(models.TextChoices):
        ORDER_AMOUNT = "order_amount", pgettext_lazy("target measure", "成交额")
        COLLECTED_AMOUNT = "collected_amount", pgettext_lazy("target measure", "回款额")
        QUANTITY = "quantity", pgettext_lazy("target measure", "销量")

    employee = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("员工"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("部门"),
    )
    period_kind = models.CharField(_("周期类型"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("周期开始"))
    # the last day of the period (derived from kind + start)
    period_end = models.DateField(_("周期结束"))
    measure = models.CharField(_("指标"), max_length=20, choices=Measure.choices)
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("产品线"),
    )
    value = models.DecimalField(_("目标值"), **MONEY)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # data scope: the employee (none for a department's target) and the department
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
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
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar["OrgScopedManager[SalesTarget]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("销售目标")
        verbose_name_plural = _("销售目标")
        ordering = ["period_start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="target_value_positive"),
            models.CheckConstraint(
                condition=(Q(employee__isnull=False) & Q(department__isnull=True))
                | (Q(employee__isnull=True) & Q(department__isnull=False)),
                name="target_one_subject",
            ),
            models.UniqueConstraint(
                fields=["org", "employee", "period_kind", "period_start", "measure"],
                condition=Q(employee__isnull=False, product_line__isnull=True),
                name="target_unique_employee",
            ),
            models.UniqueConstraint(
                fields=[
                    "org",
                    "employee",
                    "period_kind",
                    "period_start",
                    "measure",
                    "product_line",
                ],
                condition=Q(employee__isnull=False, product_line__isnull=False),
                name="target_unique_employee_line",
            ),
            models.UniqueConstraint(
                fields=["org", "department", "period_kind", "period_start", "measure"],
                condition=Q(department__isnull=False, product_line__isnull=True),
                name="target_unique_department",
            ),
            models.UniqueConstraint(
                fields=[
                    "org",
                    "department",
                    "period_kind",
                    "period_start",
                    "measure",
                    "product_line",
                ],
                condition=Q(department__isnull=False, product_line__isnull=False),
                name="target_unique_department_line",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "period_start", "period_kind"], name="target_period"),
            models.Index(fields=["org", "owner", "period_start"], name="target_owner"),
            models.Index(fields=["org", "owner_department", "period_start"], name="target_dept"),
        ]

    def __str__(self):
        from guanxi.sales.planning.periods import Period

        subject = self.employee or self.department
        period = Period(self.period_kind, self.period_start)
        return f"{subject} {period.label} {self.get_measure_display()}"

    @property
    def period(self):
        from guanxi.sales.planning.periods import Period

        return Period(self.period_kind, self.period_start)


class ForecastSnapshot(OrgOwned):
    """What the forecast said for ``month`` when the month began, for one subject."""

    class Subject(models.TextChoices):
        ORG = "org", pgettext_lazy("forecast subject", "全公司")
        DEPARTMENT = "department", pgettext_lazy("forecast subject", "部门")
        EMPLOYEE = "employee", pgettext_lazy("forecast subject", "员工")

    month = models.DateField(_("月份"))
    subject_kind = models.CharField(_("对象"), max_length=12, choices=Subject.choices)
    # "org", "d<id>" or "e<id>": one row per month and subject
    subject_key = models.CharField(max_length=24)
    department = models.ForeignKey(
        "orgs.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    employee = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pipeline_amount = models.DecimalField(_("商机金额"), **MONEY)
    weighted_amount = models.DecimalField(_("加权金额"), **MONEY)
    opportunity_count = models.PositiveIntegerField(_("商机数"), default=0)
    projection = models.DecimalField(_("趋势预测"), **MONEY)
    taken_at = models.DateTimeField(_("快照时间"))

    objects: ClassVar["OrgScopedManager[ForecastSnapshot]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("预测快照")
        verbose_name_plural = _("预测快照")
        ordering = ["month", "subject_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "month", "subject_key"], name="forecast_snapshot_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "subject_key", "month"], name="forecast_subject"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.subject_key}"
