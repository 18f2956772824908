"""Live progress of running jobs, kept beside the database.

A job that does all its work in one transaction (an all-or-nothing import) writes
its progress to its ``Job`` row inside that transaction, where no one else sees it
until the end: the page polling the job would show 0 and then "done". So the
reporter also publishes the count here, in the ``progress`` cache (a file cache
under the data folder by default, so a separate worker process is seen by the web
process; Redis when configured), and the reads of a running job take the larger
count of the two. When the job ends the row holds the final count and the entry
is dropped.
"""

from django.core.cache import caches
from django.db import connection

TIMEOUT = 6 * 60 * 60  # a job running longer is given up by housekeeping anyway


def _cache():
    return caches["progress"]


def _key(job_id) -> str:
    # the database's name keeps apart installations (and test runs) sharing a cache
    return f"job:{connection.settings_dict['NAME']}:{job_id}"


def publish(job) -> None:
    _cache().set(_key(job.pk), (job.progress, job.total), TIMEOUT)


def clear(job_id) -> None:
    _cache().delete(_key(job_id))


def overlay(jobs) -> None:
    """Give the running ones of ``jobs`` their published progress (one cache read)."""
    from guanxi.jobs.models import Job

    running = [job for job in jobs if job is not None and job.status == Job.Status.RUNNING]
    if not running:
        return
    found = _cache().get_many([_key(job.pk) for job in running])
    for job in running:
        published = found.get(_key(job.pk))
        if published is None:
            continue
        progress, total = published
        job.progress = max(job.progress or 0, progress or 0)
        if total is not None:
            job.total = total
