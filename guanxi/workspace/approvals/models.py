"""Approvals (审批流): flows per document type, requests and their steps.

A flow (``ApprovalFlow``) says which records of one document type need approval (its
conditions) and by whom (its ordered ``ApprovalStep`` rows). Submitting a record makes an
``ApprovalRequest`` that keeps a snapshot of the flow and of the record's values, and one
``ApprovalTask`` per approver and step; ``ApprovalEvent`` rows are its history (submitted,
approved, rejected, withdrawn, re-routed…). Resubmitting makes a new request (the next
round): earlier rounds stay as history.

``Requisition`` (通用申请) is this app's own document type, so the engine is usable before
the sales and marketing documents arrive.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned


class ApprovalFlow(OrgOwned, Versioned):
    """Who approves which records of one document type.

    ``conditions`` is a list of clauses ``{"variable", "op", "value"}`` that must all hold
    (an empty list matches every record). Active flows of a document are tried by
    ``priority`` (smaller first); the first that matches applies.
    """

    document = models.CharField(_("单据类型"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    conditions = models.JSONField(_("条件"), default=list, blank=True)
    priority = models.IntegerField(_("优先级"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("审批流程")
        verbose_name_plural = _("审批流程")
        ordering = ["document", "priority", "id"]
        indexes = [
            models.Index(fields=["org", "document", "priority"], name="approvalflow_org_doc"),
        ]

    def __str__(self):
        return self.name


class ApprovalStep(OrgOwned):
    """One step of a flow: who approves, and whether one of them or all of them must."""

    class Kind(models.TextChoices):
        EMPLOYEES = "employees", pgettext_lazy("approver kind", "指定员工")
        MANAGER = "manager", pgettext_lazy("approver kind", "提交人的上级")
        ROLE = "role", pgettext_lazy("approver kind", "提交人部门的角色")

    class Mode(models.TextChoices):
        ANY = "any", pgettext_lazy("approval mode", "或签（一人同意即可）")
        ALL = "all", pgettext_lazy("approval mode", "会签（需全部同意）")

    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)
    name = models.CharField(_("步骤名称"), max_length=100, blank=True)
    kind = models.CharField(_("审批人"), max_length=20, choices=Kind.choices)
    employees = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("指定员工")
    )
    manager_levels = models.PositiveSmallIntegerField(_("上级层级"), default=1)
    role = models.ForeignKey(
        "orgs.Role",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("角色"),
    )
    mode = models.CharField(_("审批方式"), max_length=10, choices=Mode.choices, default=Mode.ANY)

    class Meta:
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        ordering = ["flow", "position", "id"]
        indexes = [models.Index(fields=["org", "flow", "position"], name="approvalstep_org_flow")]

    def __str__(self):
        return self.name or str(self.get_kind_display())


class ApprovalRequest(OrgOwned):
    """One round of approval of one record.

    ``record_type``/``record_id`` point at the record (any model registered as a document
    type); ``flow_snapshot`` and ``values`` keep the flow and the record's values as they
    were at submission, so editing the flow later does not change a running request.
    At most one request of a record is pending (a partial unique constraint).
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("approval status", "审批中")
        APPROVED = "approved", pgettext_lazy("approval status", "已通过")
        REJECTED = "rejected", pgettext_lazy("approval status", "已驳回")
        WITHDRAWN = "withdrawn", pgettext_lazy("approval status", "已撤回")

    document = models.CharField(_("单据类型"), max_length=40)
    record_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    record_id = models.PositiveBigIntegerField()
    title = models.CharField(_("标题"), max_length=200)
    link = models.CharField(max_length=300, blank=True)
    flow = models.ForeignKey(
        ApprovalFlow, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    flow_name = models.CharField(_("审批流程"), max_length=100)
    flow_snapshot = models.JSONField(default=list)
    values = models.JSONField(default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    submitter = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
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
        verbose_name=_("部门"),
    )
    round = models.PositiveIntegerField(_("轮次"), default=1)
    current_step = models.PositiveSmallIntegerField(_("当前步骤"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(
                fields=["org", "record_type", "record_id", "-round"], name="approvalreq_org_record"
            ),
            models.Index(fields=["org", "submitter", "-submitted_at"], name="approvalreq_org_sub"),
            models.Index(fields=["org", "status", "-submitted_at"], name="approvalreq_org_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "record_type", "record_id"],
                condition=Q(status="pending"),
                name="approvalreq_one_pending",
            ),
            models.UniqueConstraint(
                fields=["org", "record_type", "record_id", "round"], name="approvalreq_round"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    def step_name(self, index=None):
        index = self.current_step if index is None else index
        if 0 <= index < len(self.flow_snapshot):
            return self.flow_snapshot[index].get("name", "")
        return ""


class ApprovalTask(OrgOwned):
    """One approver's part in one step of a request.

    ``state``: queued (a later step), pending (the current step: waiting for them),
    approved, rejected, or closed (the step or request ended without their decision).
    """

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("approval task", "未到达")
        PENDING = "pending", pgettext_lazy("approval task", "待审批")
        APPROVED = "approved", pgettext_lazy("approval task", "同意")
        REJECTED = "rejected", pgettext_lazy("approval task", "驳回")
        CLOSED = "closed", pgettext_lazy("approval task", "无需处理")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="tasks")
    step = models.PositiveSmallIntegerField(_("步骤"))
    approver = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    rerouted_from = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("原审批人"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    comment = models.CharField(_("审批意见"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["request", "step", "id"]
        indexes = [
            models.Index(fields=["org", "approver", "state"], name="approvaltask_org_approver"),
            models.Index(fields=["org", "request", "step"], name="approvaltask_org_request"),
        ]

    def __str__(self):
        return f"{self.request_id}/{self.step}/{self.approver_id}"


class ApprovalEvent(OrgOwned):
    """One line of a request's history."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("approval event", "提交")
        APPROVED = "approved", pgettext_lazy("approval event", "同意")
        REJECTED = "rejected", pgettext_lazy("approval event", "驳回")
        WITHDRAWN = "withdrawn", pgettext_lazy("approval event", "撤回")
        REROUTED = "rerouted", pgettext_lazy("approval event", "转交")
        SKIPPED = "skipped", pgettext_lazy("approval event", "自动跳过")
        COMPLETED = "completed", pgettext_lazy("approval event", "审批通过")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["org", "request", "created_at"], name="approvalevent_org_req")
        ]


class Requisition(OrgOwned, Versioned):
    """A general request for approval (通用申请/请示): buy something, use the company seal,
    ask for instructions. Its status follows its latest approval request."""

    class Category(models.TextChoices):
        PURCHASE = "purchase", pgettext_lazy("requisition category", "采购申请")
        SEAL = "seal", pgettext_lazy("requisition category", "用章申请")
        INSTRUCTION = "instruction", pgettext_lazy("requisition category", "请示")
        OTHER = "other", pgettext_lazy("requisition category", "其他")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("requisition status", "草稿")
        PENDING = "pending", pgettext_lazy("requisition status", "审批中")
        APPROVED = "approved", pgettext_lazy("requisition status", "已通过")
        REJECTED = "rejected", pgettext_lazy("requisition status", "已驳回")
        WITHDRAWN = "withdrawn", pgettext_lazy("requisition status", "已撤回")

    title = models.CharField(_("标题"), max_length=200)
    category = models.CharField(
        _("类别"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    content = models.TextField(_("内容"), max_length=5000, blank=True)
    submitter = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("部门"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通用申请")
        verbose_name_plural = _("通用申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "submitter", "-created_at"], name="requisition_org_sub"),
        ]

    def __str__(self):
        return self.title
