"""An import's progress: the job's total and its advancing count, as the job row and the
progress partials (the import page's and the job page's) show them while it runs."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers.models import Customer
from guanxi.jobs import services as job_services
from guanxi.jobs.models import Job
from guanxi.transfer import engine, services
from guanxi.transfer.models import ImportBatch
from guanxi.transfer.tests.helpers import csv_bytes, upload

ROWS = 8
HEADER = ["客户名称", "电话"]


def _rows(n=ROWS):
    return [[f"进度测试客户{i:02d}", f"0571-8765{i:04d}"] for i in range(n)]


def _upload(actor, rows):
    with org_scope(actor.org):
        return services.import_upload(actor=actor, upload=upload(csv_bytes([HEADER, *rows])))


def web_page(world, job):
    """The finished job's page, as its creator opens it."""
    client = Client()
    client.force_login(world.manager.user, backend="guanxi.accounts.backends.OrgUsernameBackend")
    return re.sub(r"\s+", " ", client.get(f"/jobs/{job.pk}/").content.decode())


@pytest.fixture
def small_steps(monkeypatch):
    """Chunks of 3 rows and a progress write every 3: 8 rows report 3, 6, then 8."""
    monkeypatch.setattr(engine, "CHUNK_SIZE", 3)
    monkeypatch.setattr(job_services, "PROGRESS_EVERY", 3)


@pytest.fixture
def watch(monkeypatch, web, world):
    """Records, at each progress write, the job row and both progress partials."""
    seen = []
    flush = job_services.Reporter.flush
    client = web(world.manager)

    def spy(reporter):
        before = reporter.job.progress
        flush(reporter)
        if reporter.job.progress == before:
            return
        with all_orgs():
            job = Job.objects.get(pk=reporter.job.pk)
            batch = ImportBatch.objects.get(job=job)
        record = {"progress": job.progress, "total": job.total, "status": job.status}
        if batch.status in services.BUSY:
            partial = client.get(
                f"/transfer/import/{batch.pk}/progress/", HTTP_HX_REQUEST="true"
            ).content.decode()
            record["import_partial"] = re.sub(r"\s+", " ", partial)
            job_partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
            record["job_partial"] = re.sub(r"\s+", " ", job_partial)
        seen.append(record)

    monkeypatch.setattr(job_services.Reporter, "flush", spy)
    return seen


@pytest.mark.django_db
def test_a_checked_import_reports_its_total_and_advancing_counts(
    world, small_steps, watch, django_capture_on_commit_callbacks
):
    batch = _upload(world.manager, _rows())
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        check = services.import_validate(actor=world.manager, batch=batch)
    # the check reads the file without knowing its length: counts without a total
    assert [(r["progress"], r["total"]) for r in watch] == [(3, None), (6, None), (8, None)]
    assert all(r["status"] == Job.Status.RUNNING for r in watch)
    assert "已处理 3 条" in watch[0]["import_partial"]
    assert "已处理 6 条" in watch[1]["import_partial"]
    assert 'data-status="running"' in watch[0]["job_partial"]
    # no total yet: an animated full bar, and the count so far
    assert "处理中" in watch[0]["job_partial"] and "已处理 3 条" in watch[0]["job_partial"]
    with all_orgs():
        check = Job.objects.get(pk=check.pk)
        batch = ImportBatch.objects.get(pk=batch.pk)
    assert (check.status, check.progress, check.total) == (Job.Status.SUCCEEDED, ROWS, None)
    assert check.percent == 100 and batch.row_count == ROWS

    watch.clear()
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        run = services.import_start(actor=world.manager, batch=batch)
    # after the check the import knows how many rows there are: a total from the start
    assert [(r["progress"], r["total"]) for r in watch] == [(3, ROWS), (6, ROWS), (8, ROWS)]
    assert "3 / 8 条" in watch[0]["import_partial"]
    assert 'aria-valuenow="37"' in watch[0]["import_partial"]
    assert "6 / 8 条" in watch[1]["import_partial"]
    assert 'aria-valuenow="75"' in watch[1]["job_partial"]
    assert "6 / 8 条" in watch[1]["job_partial"]
    assert "import_partial" not in watch[2]  # the batch is done: the page reloads instead
    with all_orgs():
        run = Job.objects.get(pk=run.pk)
        assert Customer.objects.filter(org=world.org).count() == ROWS
    assert (run.status, run.progress, run.total, run.percent) == (
        Job.Status.SUCCEEDED, ROWS, ROWS, 100,
    )  # fmt: skip
    assert run.result["created"] == ROWS
    # the finished job page: 100 %, the count and the summary
    page = web_page(world, run)
    assert 'data-status="succeeded"' in page and "8 / 8 条" in page
    assert 'aria-valuenow="100"' in page and "新建 8" in page


@pytest.mark.django_db
def test_an_unchecked_import_reports_counts_and_ends_at_the_row_count(
    world, small_steps, watch, django_capture_on_commit_callbacks
):
    batch = _upload(world.manager, _rows())
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        run = services.import_start(actor=world.manager, batch=batch)
    assert [r["progress"] for r in watch] == [3, 6, 8]
    assert "已处理 3 条" in watch[0]["import_partial"]
    with all_orgs():
        run = Job.objects.get(pk=run.pk)
        batch = ImportBatch.objects.get(pk=batch.pk)
    assert run.status == Job.Status.SUCCEEDED and run.progress == ROWS
    assert batch.row_count == ROWS and batch.created_count == ROWS


@pytest.mark.django_db
def test_a_rolled_back_import_still_counts_every_row(
    world, small_steps, watch, django_capture_on_commit_callbacks
):
    rows = _rows()
    rows[4][1] = "不是电话"
    batch = _upload(world.manager, rows)
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        run = services.import_start(actor=world.manager, batch=batch)
    assert [r["progress"] for r in watch][:2] == [3, 6]
    with all_orgs():
        run = Job.objects.get(pk=run.pk)
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert not Customer.objects.filter(org=world.org).exists()
    # every row was read and checked, though nothing was kept: the job says so
    assert run.status == Job.Status.SUCCEEDED and run.progress == ROWS
    assert batch.row_count == ROWS and batch.error_count == 1
    page = web_page(world, run)
    assert 'data-status="succeeded"' in page and 'aria-valuenow="100"' in page
    assert "有 1 行数据有误，没有导入任何数据。" in page
    assert run.result["rolled_back"] is True and run.result["errors"] == 1


def _read_elsewhere(client, job_pk):
    """The job's progress as another connection sees it: the row itself, and the count
    the job page and the import page (which users poll) show."""
    found = {}

    def read():
        try:
            with all_orgs():
                found["row"] = Job.objects.values_list("progress", flat=True).get(pk=job_pk)
                batch = ImportBatch.objects.get(job_id=job_pk)
            for name, url in (
                ("job_page", f"/jobs/{job_pk}/"),
                ("import_page", f"/transfer/import/{batch.pk}/progress/"),
            ):
                text = client.get(url, HTTP_HX_REQUEST="true").content.decode()
                counted = re.search(r"已处理 (\d+) 条", text)
                found[name] = int(counted.group(1)) if counted else None
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(30)
    return found


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_while_the_import_runs(
    world, small_steps, monkeypatch
):
    outside = []
    flush = job_services.Reporter.flush
    client = Client()
    client.force_login(world.manager.user, backend="guanxi.accounts.backends.OrgUsernameBackend")

    def spy(reporter):
        before = reporter.job.progress
        flush(reporter)
        if reporter.job.progress != before and reporter.job.progress < ROWS:
            outside.append((reporter.job.progress, _read_elsewhere(client, reporter.job.pk)))

    monkeypatch.setattr(job_services.Reporter, "flush", spy)
    batch = _upload(world.manager, _rows())
    with org_scope(world.org):
        services.import_start(actor=world.manager, batch=batch)  # runs on commit
    assert [mine for mine, _theirs in outside] == [3, 6]
    # the import commits chunk by chunk, so the row itself is current between chunks,
    # and the pages show the same count (the one the job publishes)
    assert [seen["row"] for _mine, seen in outside] == [3, 6]
    assert [(seen["job_page"], seen["import_page"]) for _m, seen in outside] == [(3, 3), (6, 6)]
    from django.core.cache import caches

    from guanxi.jobs import progress

    with all_orgs():
        job = Job.objects.get(pk=ImportBatch.objects.get(pk=batch.pk).job_id)
    assert job.progress == ROWS
    assert caches["progress"].get(progress._key(job.pk)) is None  # dropped at the end
