"""Imports (导入): one uploaded file, its column mapping, and what became of it."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned


def upload_path(batch, filename):
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"imports/{batch.org_id}/{uuid.uuid4().hex}{suffix}"


def report_path(batch, filename):
    return f"imports/{batch.org_id}/{uuid.uuid4().hex}-errors.csv"


class ImportBatch(OrgOwned):
    """One import of a file into an entity, from upload to result.

    ``mapping`` lists, per column of ``header``, the target it fills ("" = ignored).
    Validation and the import itself run as background jobs (``job``).
    """

    class Entity(models.TextChoices):
        CUSTOMER = "customer", _("客户")

    class Duplicates(models.TextChoices):
        SKIP = "skip", _("跳过重复的行")
        UPDATE = "update", _("更新已有客户")
        CREATE = "create", _("仍然新建")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        MAPPED = "mapped", _("已设置对应关系")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("已校验")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        UNDOING = "undoing", _("撤销中")
        UNDONE = "undone", _("已撤销")

    entity = models.CharField(
        _("导入对象"), max_length=20, choices=Entity.choices, default=Entity.CUSTOMER
    )
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    file_type = models.CharField(_("文件类型"), max_length=10)  # csv / xlsx
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    header = models.JSONField(_("表头"), default=list)
    mapping = models.JSONField(_("字段对应"), default=list)
    duplicate_mode = models.CharField(
        _("重复处理"), max_length=10, choices=Duplicates.choices, default=Duplicates.SKIP
    )
    valid_only = models.BooleanField(_("只导入有效的行"), default=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    skipped_count = models.PositiveIntegerField(_("跳过"), default=0)
    error_count = models.PositiveIntegerField(_("错误"), default=0)
    first_errors = models.JSONField(default=list, blank=True)  # the first rows of the report
    message = models.CharField(_("说明"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # what undoing the import did: {"deleted", "restored", "kept"}
    undo_result = models.JSONField(default=dict, blank=True)
    error_report = models.FileField(upload_to=report_path, max_length=200, blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "orgs.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("导入人")
    )

    class Meta:
        verbose_name = _("导入")
        verbose_name_plural = _("导入")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "created_by", "-created_at"], name="import_org_owner")
        ]

    def __str__(self):
        return self.original_name


class ImportChunk(OrgOwned):
    """What one committed chunk of an import wrote, kept while the import runs.

    An import commits chunk by chunk, so that other people's saves are not held up
    for the length of a big file. Each chunk leaves this record in its own
    transaction; the import deletes them when it ends, or uses them to take
    everything back (a wrong row when the batch is all-or-nothing, a failure, a
    worker that stopped).
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="chunks")
    # ids of the customers created (their contacts, lifecycle rows and search entries go
    # with them)
    customers = models.JSONField(default=list)
    # ids of contacts added to customers that already existed (update mode)
    contacts = models.JSONField(default=list)
    # records that existed and were changed: [{"model", "id", "version", "row"}], "row"
    # holding every column as it was before, "version" the one the import left
    changed = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
