"""Work reports (工作报告): the org's report templates and the reports employees write.

A template (``ReportTemplate``) has a period (daily / weekly / monthly / yearly), a due
rule inside the period, the departments and roles it is for, and an ordered list of
fields kept as JSON (``fields``: ``[{"key", "label", "type", "required", "help",
"options", "decimals"}]``). A report (``WorkReport``) belongs to its author, one template
and one period (unique together); it keeps its own copy of the field definitions it was
written against (``fields``), so editing a template never breaks a report already
submitted. Every save of a submitted report keeps the values it replaced
(``ReportRevision``). Readers comment (``ReportComment``), managers score
(``ReportScore``, 1–5, one per scorer) and reading is recorded (``ReportRead``).
"""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import OrgScopedManager

NAME_LENGTH = 100
COMMENT_LENGTH = 2000
MIN_SCORE = 1
MAX_SCORE = 5


class Period(models.TextChoices):
    DAILY = "daily", pgettext_lazy("report period", "日报")
    WEEKLY = "weekly", pgettext_lazy("report period", "周报")
    MONTHLY = "monthly", pgettext_lazy("report period", "月报")
    YEARLY = "yearly", pgettext_lazy("report period", "年报")


class FieldType(models.TextChoices):
    TEXT = "text", pgettext_lazy("report field type", "单行文本")
    TEXTAREA = "textarea", pgettext_lazy("report field type", "多行文本")
    NUMBER = "number", pgettext_lazy("report field type", "数字")
    DATE = "date", pgettext_lazy("report field type", "日期")
    CHOICE = "choice", pgettext_lazy("report field type", "单选")
    MULTI = "multi", pgettext_lazy("report field type", "多选")
    BOOL = "bool", pgettext_lazy("report field type", "是/否")


class ReportTemplate(OrgOwned, Versioned):
    """A kind of report the org asks for (报告模板): period, due rule, fields, audience.

    Due rule, inside the period: daily — the day at ``due_time``; weekly — ``due_weekday``
    (1 = Monday … 7 = Sunday) at ``due_time``; monthly — ``due_day`` (past the month's
    end: its last day); yearly — ``due_month``/``due_day``. Nobody chosen in
    ``departments`` (with their sub-departments) or ``roles`` means everyone."""

    name = models.CharField(_("名称"), max_length=NAME_LENGTH)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    departments = models.ManyToManyField(
        "orgs.Department", blank=True, related_name="+", verbose_name=_("适用部门")
    )
    roles = models.ManyToManyField(
        "orgs.Role", blank=True, related_name="+", verbose_name=_("适用角色")
    )
    due_time = models.TimeField(_("截止时间"), default="18:00")
    due_weekday = models.PositiveSmallIntegerField(_("截止星期"), default=5)
    due_day = models.PositiveSmallIntegerField(_("截止日"), default=31)
    due_month = models.PositiveSmallIntegerField(_("截止月份"), default=12)
    fields = models.JSONField(_("字段"), default=list, blank=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("报告模板")
        verbose_name_plural = _("报告模板")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="report_template_unique_name")
        ]

    def __str__(self):
        return self.name


class WorkReport(OrgOwned, Versioned):
    """One employee's report for one template and period (工作报告)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("report status", "草稿")
        SUBMITTED = "submitted", pgettext_lazy("report status", "已提交")

    template = models.ForeignKey(
        ReportTemplate, on_delete=models.PROTECT, related_name="reports", verbose_name=_("模板")
    )
    author = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("作者")
    )
    # the author's department when written: the "work_reports" data scope reads it
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("部门"),
    )
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    due_at = models.DateTimeField(_("截止时间"))
    fields = models.JSONField(_("字段"), default=list)
    values = models.JSONField(_("内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    is_late = models.BooleanField(_("逾期提交"), default=False)
    readers = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("抄送人")
    )

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("工作报告")
        verbose_name_plural = _("工作报告")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "author", "template", "period_start"],
                name="work_report_unique_period",
            )
        ]
        indexes = [
            models.Index(fields=["org", "author", "period_start"], name="work_report_author"),
            models.Index(
                fields=["org", "template", "period_start", "status"], name="work_report_tpl"
            ),
            models.Index(fields=["org", "department", "status"], name="work_report_dept"),
        ]

    def __str__(self):
        return f"{self.template.name} {self.period_label}"

    @property
    def period_label(self):
        if self.period_start == self.period_end:
            return self.period_start.isoformat()
        return f"{self.period_start.isoformat()} ~ {self.period_end.isoformat()}"


class ReportRevision(OrgOwned):
    """The values a save of a submitted report replaced: who saved, when, what was there."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        "orgs.Employee", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"))
    values = models.JSONField(_("内容"), default=dict)

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("报告修改记录")
        verbose_name_plural = _("报告修改记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "report", "created_at"], name="report_rev_report")]


class ReportComment(OrgOwned):
    """A reader's comment on a submitted report (查阅意见)."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        "orgs.Employee", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("评论"), max_length=COMMENT_LENGTH)

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("报告评论")
        verbose_name_plural = _("报告评论")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["org", "report", "created_at"], name="report_comment")]


class ReportScore(OrgOwned):
    """A manager's score of a report (考评), 1–5; one per scorer, editable."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="scores")
    scorer = models.ForeignKey("orgs.Employee", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("评分"))
    note = models.CharField(_("评语"), max_length=500, blank=True)

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("报告评分")
        verbose_name_plural = _("报告评分")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "report", "scorer"], name="report_score_unique_scorer"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="report_score_range",
            ),
        ]


class ReportRead(OrgOwned):
    """Someone other than the author opened a submitted report (已查阅)."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey("orgs.Employee", on_delete=models.CASCADE, related_name="+")

    objects: ClassVar[OrgScopedManager] = OrgScopedManager()

    class Meta:
        verbose_name = _("报告查阅")
        verbose_name_plural = _("报告查阅")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "report", "reader"], name="report_read_unique_reader"
            )
        ]
