"""Starting and running jobs: success, failure, progress, permission, language."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from guanxi.core.tenancy import org_scope
from guanxi.jobs import registry, services
from guanxi.jobs.models import Job

pytestmark = pytest.mark.django_db


def _start(django_capture_on_commit_callbacks, actor, kind, **params):
    with org_scope(actor.org), django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(actor=actor, kind=kind, params=params)
    with org_scope(actor.org):
        job.refresh_from_db()
    return job


def test_job_runs_after_commit_to_success_with_result(
    world, test_kinds, django_capture_on_commit_callbacks
):
    """A started job is queued, runs once the transaction commits, and ends at 100%."""
    job = _start(django_capture_on_commit_callbacks, world.rep_a, "test.count")
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress, job.total, job.percent) == (1200, 1200, 100)
    assert job.result == {"rows": 1200}
    assert job.started_at and job.finished_at and job.error == ""
    assert registry.summary(job.kind, job.result) == "共 1200 行"


def test_progress_is_written_in_batches_while_running(
    world, test_kinds, django_capture_on_commit_callbacks
):
    """Progress reaches the database every PROGRESS_EVERY rows, not on every row."""
    _start(django_capture_on_commit_callbacks, world.rep_a, "test.count")
    assert services.PROGRESS_EVERY == 500
    assert test_kinds["progress"] == [0, 500, 1000]


def test_crashing_job_fails_with_error_and_the_worker_goes_on(
    world, test_kinds, django_capture_on_commit_callbacks
):
    """An unexpected exception is recorded on the job; job_run itself never raises."""
    crashed = _start(django_capture_on_commit_callbacks, world.rep_a, "test.crash")
    assert crashed.status == Job.Status.FAILED
    assert crashed.error == "RuntimeError: disk on fire at /srv/secret"
    assert crashed.progress == 3 and crashed.finished_at is not None
    # the user is not shown internals; an admin can read them on the page
    assert "secret" not in str(services.describe_error(crashed))
    after = _start(django_capture_on_commit_callbacks, world.rep_a, "test.count")
    assert after.status == Job.Status.SUCCEEDED


@pytest.mark.parametrize(
    ("params", "message"),
    [({}, "数据太多，请缩小范围。"), ({"validation": True}, "名称不能为空。")],
)
def test_refusal_by_a_rule_is_shown_to_the_user(
    world, test_kinds, params, message, django_capture_on_commit_callbacks
):
    job = _start(django_capture_on_commit_callbacks, world.rep_a, "test.refuse", **params)
    assert job.status == Job.Status.FAILED
    assert job.error == message
    assert services.describe_error(job) == message


def test_job_start_checks_the_kinds_permission(world, test_kinds):
    """rep_a lacks audit.export: nothing is queued."""
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.job_start(actor=world.rep_a, kind="test.file")
        assert not Job.objects.exists()


def test_job_file_is_stored_under_its_own_name(
    world, test_kinds, django_capture_on_commit_callbacks
):
    job = _start(django_capture_on_commit_callbacks, world.admin, "test.file")
    assert job.status == Job.Status.SUCCEEDED
    assert job.file.name.endswith(f"/{job.pk}/客户名单.csv")
    with job.file.open("rb") as handle:
        assert handle.read().decode("utf-8").startswith("\ufeff名称")


def test_job_runs_in_the_language_it_was_started_in(
    world, test_kinds, django_capture_on_commit_callbacks
):
    with translation.override("en"):
        job = _start(django_capture_on_commit_callbacks, world.rep_a, "test.language")
    assert job.params[services.LANGUAGE_PARAM] == "en"
    assert test_kinds["language"] == "en"


def test_a_job_is_run_once_only(world, test_kinds):
    """A second delivery of the same job (a retried queue message) does nothing."""
    with org_scope(world.org):
        job = Job.objects.create(org=world.org, created_by=world.rep_a, kind="test.language")
    services.job_run(job.pk)
    test_kinds.clear()
    services.job_run(job.pk)
    assert test_kinds == {}
    services.job_run(987654)  # a vanished job is ignored


def test_unknown_kind_fails_cleanly(world):
    with org_scope(world.org):
        job = Job.objects.create(org=world.org, created_by=world.rep_a, kind="gone.away")
    services.job_run(job.pk)
    with org_scope(world.org):
        job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert registry.label("gone.away") == "gone.away"
