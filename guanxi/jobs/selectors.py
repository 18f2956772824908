"""Reads of jobs. An employee sees the jobs they started; an org admin sees the org's."""

from django.http import Http404

from guanxi.jobs import progress
from guanxi.jobs.models import Job
from guanxi.orgs import policy


def job_list(*, employee):
    """Jobs visible to ``employee``, newest first (scoped to the request's org)."""
    qs = Job.objects.select_related("created_by").order_by("-created_at", "-id")
    if not policy.is_admin(employee):
        qs = qs.filter(created_by=employee)
    return qs


def access_job(employee, pk, *, write=False):
    """The job ``pk`` if ``employee`` started it or is an admin of its org; else 404.

    Someone else's job answers 404, not 403: its existence is not theirs to know.
    """
    try:
        job = job_list(employee=employee).get(pk=int(pk))
    except (Job.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    progress.overlay([job])
    return job


def unfinished_count(*, employee) -> int:
    """How many of ``employee``'s own jobs are still queued or running (the bell)."""
    return Job.objects.filter(
        created_by=employee, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
    ).count()
