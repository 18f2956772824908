"""Huey tasks: thin wrappers that call the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.jobs import services


@db_task()
def run_job(job_id):
    services.job_run(job_id)


@db_periodic_task(crontab(minute="7"))
def jobs_housekeeping():
    """Every hour: fail jobs whose worker died, delete result files past their keep time."""
    return {"failed": services.job_fail_stale(), "files_deleted": services.job_purge_files()}
