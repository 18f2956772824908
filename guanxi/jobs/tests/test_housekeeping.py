"""The periodic task: fail jobs whose worker died, delete old result files."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.jobs import registry, services, tasks
from guanxi.jobs.models import Job
from guanxi.jobs.tests.factories import make_job

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _reload(job):
    with org_scope(job.org_id):
        job.refresh_from_db()
    return job


def test_running_over_six_hours_is_failed(world, other_world):
    with time_machine.travel(START, tick=False):
        stuck = make_job(world.rep_a, status=Job.Status.RUNNING, started_at=timezone.now())
        stuck_b = make_job(other_world.rep_a, status=Job.Status.RUNNING, started_at=timezone.now())
    with time_machine.travel(START + datetime.timedelta(hours=5), tick=False):
        fresh = make_job(world.rep_a, status=Job.Status.RUNNING, started_at=timezone.now())
        queued = make_job(world.rep_a)
    with time_machine.travel(START + datetime.timedelta(hours=6, minutes=1), tick=False):
        assert services.job_fail_stale() == 2
    for job in (stuck, stuck_b):
        _reload(job)
        assert job.status == Job.Status.FAILED and job.error == services.WORKER_LOST
        assert "后台进程已停止" in str(services.describe_error(job))
    assert _reload(fresh).status == Job.Status.RUNNING
    assert _reload(queued).status == Job.Status.QUEUED


def test_a_late_finish_does_not_undo_the_failure(world):
    """A worker that comes back after housekeeping gave up cannot mark the job done."""

    def slow(job, reporter):
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=7)):
            services.job_fail_stale()
        return {"rows": 1}

    registry.register("test.slow", label="慢任务")(slow)
    try:
        job = make_job(world.rep_a, kind="test.slow")
        services.job_run(job.pk)
    finally:
        registry.unregister("test.slow")
    job = _reload(job)
    assert job.status == Job.Status.FAILED and job.result == {}


def test_files_older_than_thirty_days_are_deleted(world, other_world):
    with time_machine.travel(START, tick=False):
        old = make_job(world.admin, status=Job.Status.SUCCEEDED, file_name="old.csv")
        old_b = make_job(other_world.admin, status=Job.Status.FAILED, file_name="b.csv")
    with time_machine.travel(START + datetime.timedelta(days=20), tick=False):
        recent = make_job(world.admin, status=Job.Status.SUCCEEDED, file_name="new.csv")
    storage = old.file.storage
    old_name, recent_name = old.file.name, recent.file.name
    assert storage.exists(old_name)
    with time_machine.travel(START + datetime.timedelta(days=30, hours=1), tick=False):
        assert services.job_purge_files() == 2
    old = _reload(old)
    assert not old.file and old.result == {"file_expired": True}
    assert not storage.exists(old_name)
    assert not _reload(old_b).file
    assert storage.exists(recent_name) and _reload(recent).file.name == recent_name


def test_periodic_task_runs_both_hourly(world):
    with time_machine.travel(START, tick=False):
        make_job(world.rep_a, status=Job.Status.RUNNING, started_at=timezone.now())
        make_job(world.admin, status=Job.Status.SUCCEEDED, file_name="x.csv")
    with time_machine.travel(START + datetime.timedelta(days=31), tick=False):
        assert tasks.jobs_housekeeping.call_local() == {"failed": 1, "files_deleted": 1}
    assert tasks.jobs_housekeeping.s().validate_datetime(datetime.datetime(2026, 3, 2, 10, 7))
    assert not tasks.jobs_housekeeping.s().validate_datetime(datetime.datetime(2026, 3, 2, 10, 8))
