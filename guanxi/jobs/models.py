from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgOwned


class Job(OrgOwned):
    """A piece of long work (import, export, bulk change, recompute) run by a worker.

    The worker updates ``progress``/``total`` as it goes; the UI polls and shows
    a progress bar, then ``result`` (a summary, a file to download, row errors).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=60)
    created_by = models.ForeignKey(
        "orgs.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("发起人")
    )
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "created_by", "-created_at"], name="job_org_owner")]

    @property
    def percent(self):
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))

    @property
    def is_finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
