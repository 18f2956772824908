"""Starting and running jobs. The queue is Huey (SQLite file by default, Redis
with ``REDIS_URL``); the state users see is the ``Job`` row."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.jobs import registry
from guanxi.jobs.models import Job
from guanxi.orgs import policy

logger = logging.getLogger(__name__)

# write progress at most this often (rows), so reporting stays cheap
PROGRESS_EVERY = 500


class Reporter:
    def __init__(self, job):
        self.job = job
        self._pending = 0

    def total(self, n):
        self.job.total = n
        Job.objects.filter(pk=self.job.pk).update(total=n)

    def advance(self, k=1):
        self._pending += k
        if self._pending >= PROGRESS_EVERY:
            self.flush()

    def flush(self):
        if self._pending:
            Job.objects.filter(pk=self.job.pk).update(progress=F("progress") + self._pending)
            self._pending = 0

    def attach(self, name, content):
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.job.file.save(name, ContentFile(data), save=False)
        Job.objects.filter(pk=self.job.pk).update(file=self.job.file.name)


def job_start(*, actor, kind, params=None):
    """Queue a job of ``kind`` for ``actor``; it runs after the transaction commits."""
    entry = registry.get(kind)
    if entry["permission"]:
        policy.require(actor, entry["permission"])
    job = Job.objects.create(org_id=actor.org_id, kind=kind, created_by=actor,
                             params=params or {})
    from guanxi.jobs.tasks import run_job

    transaction.on_commit(lambda: run_job(job.pk))
    return job


def job_run(job_id):
    """Run one queued job to the end (called by the worker)."""
    with all_orgs():
        job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != Job.Status.QUEUED:
        return
    with org_scope(job.org_id):
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING,
                                             started_at=timezone.now())
        reporter = Reporter(job)
        try:
            entry = registry.get(job.kind)
            result = entry["func"](job, reporter)
        except Exception as exc:  # the job failed; record it for the user, keep the worker
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            reporter.flush()
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.FAILED, finished_at=timezone.now(),
                error=str(exc)[:2000] or exc.__class__.__name__)
            return
        reporter.flush()
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, finished_at=timezone.now(), result=result or {},
            progress=F("total") if job.total is not None else F("progress"))


def describe_error(job):
    return job.error or _("任务失败，请联系管理员查看日志。")
