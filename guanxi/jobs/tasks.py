"""Huey tasks: thin wrappers that call the services."""

from huey.contrib.djhuey import db_task

from guanxi.jobs import services


@db_task()
def run_job(job_id):
    services.job_run(job_id)
