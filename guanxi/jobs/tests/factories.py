"""Job rows for tests, written directly in a given state."""

from django.core.files.base import ContentFile
from django.utils import timezone

from guanxi.core.tenancy import all_orgs
from guanxi.jobs.models import Job


def make_job(
    employee,
    *,
    kind="test.file",
    status=Job.Status.QUEUED,
    file_name=None,
    content=b"a,b\n",
    **fields,
):
    with all_orgs():
        job = Job.objects.create(
            org_id=employee.org_id, created_by=employee, kind=kind, status=status, **fields
        )
        if status in (Job.Status.SUCCEEDED, Job.Status.FAILED) and "finished_at" not in fields:
            job.finished_at = timezone.now()
        if file_name:
            job.file.save(f"{job.pk}/{file_name}", ContentFile(content), save=False)
        job.save()
        return job
