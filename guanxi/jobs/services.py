"""Starting, running and tidying up jobs. The queue is Huey (SQLite file by
default, Redis with ``REDIS_URL``); the state users see is the ``Job`` row.

Housekeeping (``job_fail_stale``, ``job_purge_files``) is done by the system,
not by an employee, so those two take no ``actor``.
"""

import contextlib
import datetime
import logging
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.jobs import progress, registry
from guanxi.jobs.models import Job
from guanxi.orgs import policy

logger = logging.getLogger(__name__)

# write progress at most this often (rows), so reporting stays cheap
PROGRESS_EVERY = 500
# a job "running" longer than this lost its worker (killed, machine restarted)
STALE_AFTER = datetime.timedelta(hours=6)
# result files are deleted this long after the job finished
FILES_KEPT = datetime.timedelta(days=30)
# the language of the person who started the job; its messages and files use it
LANGUAGE_PARAM = "_language"

WORKER_LOST = "worker_lost"
KNOWN_ERRORS = {
    WORKER_LOST: gettext_lazy("任务执行时间过长或后台进程已停止，任务已终止。请重新发起。"),
}
# errors a job raises on purpose: their message is meant for the user
USER_ERRORS = (ValidationError, BusinessRuleError, PermissionDenied)


class Reporter:
    """Handed to a job function: progress, total and the output file."""

    def __init__(self, job):
        self.job = job
        self._pending = 0

    def total(self, n):
        self.job.total = n
        Job.objects.filter(pk=self.job.pk).update(total=n)
        progress.publish(self.job)

    def advance(self, k=1):
        self._pending += k
        if self._pending >= PROGRESS_EVERY:
            self.flush()

    def flush(self):
        if self._pending:
            Job.objects.filter(pk=self.job.pk).update(progress=F("progress") + self._pending)
            self.job.progress += self._pending
            self._pending = 0
            progress.publish(self.job)  # seen at once, even inside the job's transaction

    def attach(self, name, content):
        """Store the job's output file as ``name`` (the name users download it as).

        ``content`` is text (stored as UTF-8), bytes, or an open binary file
        (read from the start; use this for big outputs written to a temp file).
        Each job gets its own folder, so the stored name is exactly ``name``.
        """
        if isinstance(content, str):
            content = content.encode("utf-8")
        data: File
        if isinstance(content, bytes):
            data = ContentFile(content)
        else:
            content.seek(0)
            data = File(content, name=name)
        if self.job.file:
            self.job.file.delete(save=False)
        self.job.file.save(f"{self.job.pk}/{name}", data, save=False)
        Job.objects.filter(pk=self.job.pk).update(file=self.job.file.name)


@transaction.atomic
def job_start(*, actor, kind, params=None):
    """Queue a job of ``kind`` for ``actor``; it runs after the transaction commits.

    The kind's permission is checked now and may be checked again by the job
    itself when it runs. The current language is kept with the job.
    """
    entry = registry.get(kind)
    if entry["permission"]:
        policy.require(actor, entry["permission"])
    params = dict(params or {})
    params.setdefault(LANGUAGE_PARAM, translation.get_language() or settings.LANGUAGE_CODE)
    job = Job.objects.create(org_id=actor.org_id, kind=kind, created_by=actor, params=params)
    from guanxi.jobs.tasks import run_job

    transaction.on_commit(lambda: run_job(job.pk))
    return job


def _user_message(exc):
    if isinstance(exc, ValidationError):
        return "；".join(str(message) for message in exc.messages)
    if isinstance(exc, BusinessRuleError):
        return str(exc.message)
    return str(exc) or _("您没有执行此操作的权限。")


def job_run(job_id):
    """Run one queued job to the end (called by the worker).

    The job is claimed with a conditional update, so two workers never run it
    twice. Whatever the job function raises is recorded on the job and never
    escapes: the worker goes on with the next job.
    """
    with all_orgs():
        job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return
    with org_scope(job.org_id):
        claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now()
        )
        if not claimed:
            return
        job.status = Job.Status.RUNNING
        reporter = Reporter(job)
        language = (job.params or {}).get(LANGUAGE_PARAM) or settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                entry = registry.get(job.kind)
                result = entry["func"](job, reporter)
            except USER_ERRORS as exc:
                _finish_failed(job, reporter, _user_message(exc)[:2000], internal=False)
                return
            except Exception as exc:  # a bug or an outage: log it, keep the worker alive
                logger.exception("job %s (%s) failed", job.pk, job.kind)
                detail = f"{exc.__class__.__name__}: {exc}"[:2000]
                _finish_failed(job, reporter, detail, internal=True)
                return
        reporter.flush()
        progress.clear(job.pk)
        # only a job still "running" is finished: housekeeping may have given up on it
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
            result=result or {},
            # the count in hand: progress written inside a transaction the job rolled back
            # (an import with errors) is gone from the row
            progress=F("total") if job.total is not None else job.progress,
        )


def _finish_failed(job, reporter, error, *, internal):
    reporter.flush()
    progress.clear(job.pk)
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        error=error,
        result={"internal_error": True} if internal else {},
        progress=job.progress,
    )


def describe_error(job):
    """What to tell the user about a failed job, in their language."""
    if job.error in KNOWN_ERRORS:
        return KNOWN_ERRORS[job.error]
    if not job.error or (job.result or {}).get("internal_error"):
        return _("任务失败，请联系管理员查看日志。")
    return job.error


def job_fail_stale(*, now=None):
    """Fail every job that has been running longer than ``STALE_AFTER`` (all orgs).

    A worker that dies mid-job leaves its job "running" for ever; this gives
    the user a clear answer instead. Returns how many jobs were failed.
    """
    now = now or timezone.now()
    with all_orgs():
        return Job.objects.filter(
            status=Job.Status.RUNNING, started_at__lt=now - STALE_AFTER
        ).update(status=Job.Status.FAILED, finished_at=now, error=WORKER_LOST)


def job_purge_files(*, now=None):
    """Delete the files of jobs that finished more than ``FILES_KEPT`` ago (all orgs).

    The job row stays (who ran what, when); its result is marked
    ``file_expired``. Returns how many files were deleted.
    """
    now = now or timezone.now()
    finished = (Job.Status.SUCCEEDED, Job.Status.FAILED)
    count = 0
    with all_orgs():
        expired = (
            Job.objects.filter(status__in=finished, finished_at__lt=now - FILES_KEPT)
            .exclude(file="")
            .only("pk", "file", "result")
        )
        for job in expired.iterator():
            _delete_stored(job.file.storage, job.file.name)
            result = {**(job.result or {}), "file_expired": True}
            Job.objects.filter(pk=job.pk).update(file="", result=result)
            count += 1
    return count


def _delete_stored(storage, name):
    try:
        storage.delete(name)
    except OSError:
        logger.warning("could not delete job file %s", name, exc_info=True)
        return
    # the job's own folder, when the storage is a local directory
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(os.path.dirname(storage.path(name)))
