"""Job pages: list, detail, the htmx progress partial and the file download."""

import pytest
from django.urls import reverse

from guanxi.jobs.models import Job
from guanxi.jobs.tests.factories import make_job

pytestmark = pytest.mark.django_db


def _detail(job):
    return reverse("jobs:job_detail", args=[job.pk])


def _download(job):
    return reverse("jobs:job_download", args=[job.pk])


@pytest.fixture
def jobs(world, other_world, test_kinds):
    return {
        "mine": make_job(
            world.rep_a, kind="test.count", status=Job.Status.RUNNING, progress=300, total=1200
        ),
        "done": make_job(
            world.rep_a,
            kind="test.count",
            status=Job.Status.SUCCEEDED,
            file_name="名单.csv",
            content="\ufeff名称\n".encode(),
            result={"rows": 1},
        ),
        "theirs": make_job(world.rep_b, kind="test.count", status=Job.Status.QUEUED),
        "beta": make_job(other_world.rep_a, status=Job.Status.SUCCEEDED, file_name="b.csv"),
    }


def test_list_shows_own_jobs_newest_first(web, world, jobs):
    response = web(world.rep_a).get(reverse("jobs:job_list"))
    assert response.status_code == 200
    shown = [job.pk for job in response.context["page"].object_list]
    assert shown == [jobs["done"].pk, jobs["mine"].pk]
    assert not response.context["show_owner"]


def test_admin_lists_the_orgs_jobs_only(web, world, jobs):
    response = web(world.admin).get(reverse("jobs:job_list"))
    shown = {job.pk for job in response.context["page"].object_list}
    assert shown == {jobs["mine"].pk, jobs["done"].pk, jobs["theirs"].pk}
    assert "李四" in response.content.decode()  # the owner column


def test_list_query_count_does_not_grow(web, world, test_kinds, django_assert_max_num_queries):
    for _ in range(30):
        make_job(world.rep_a, kind="test.count", status=Job.Status.SUCCEEDED)
    client = web(world.admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("jobs:job_list"))
    assert len(response.context["page"].object_list) == 30


def test_detail_shows_label_status_and_polling_bar(web, world, jobs):
    response = web(world.rep_a).get(_detail(jobs["mine"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "计数测试" in body and "进行中" in body
    assert 'aria-valuenow="25"' in body and "gx-w-25" in body
    assert 'hx-trigger="every 1s"' in body
    assert "jobs/jobs.css" in body


def test_detail_query_count(web, world, jobs, django_assert_max_num_queries):
    client = web(world.rep_a)
    with django_assert_max_num_queries(6):
        assert client.get(_detail(jobs["done"])).status_code == 200


def test_partial_for_htmx_and_polling_stops_when_finished(web, world, jobs):
    client = web(world.rep_a)
    running = client.get(_detail(jobs["mine"]), HTTP_HX_REQUEST="true")
    assert running.templates[0].name == "jobs/_progress.html"
    assert "<html" not in running.content.decode()
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "HX-Request" in running["Vary"]
    finished = client.get(_detail(jobs["done"]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished
    assert "共 1 行" in finished  # the kind's summary
    assert _download(jobs["done"]) in finished and "名单.csv" in finished


def test_failed_job_shows_message_and_admin_sees_details(web, world, test_kinds):
    job = make_job(
        world.rep_a,
        kind="test.crash",
        status=Job.Status.FAILED,
        error="RuntimeError: boom",
        result={"internal_error": True},
    )
    own = web(world.rep_a).get(_detail(job)).content.decode()
    assert "任务失败，请联系管理员查看日志。" in own and "RuntimeError" not in own
    admin = web(world.admin).get(_detail(job)).content.decode()
    assert "RuntimeError: boom" in admin


def test_expired_file_is_explained(web, world, test_kinds):
    job = make_job(world.rep_a, status=Job.Status.SUCCEEDED, result={"file_expired": True})
    body = web(world.rep_a).get(_detail(job)).content.decode()
    assert 'data-testid="job-file-expired"' in body and "job-download" not in body


@pytest.mark.parametrize("viewer", ["rep_b", "manager", "readonly"])
def test_someone_elses_job_is_404(web, world, jobs, viewer):
    client = web(getattr(world, viewer))
    assert client.get(_detail(jobs["done"])).status_code == 404
    assert client.get(_download(jobs["done"])).status_code == 404


def test_other_orgs_job_is_404_even_for_admins(web, world, jobs, outsider):
    admin = web(world.admin)
    assert admin.get(_detail(jobs["beta"])).status_code == 404
    assert admin.get(_download(jobs["beta"])).status_code == 404
    assert web(outsider).get(_detail(jobs["done"])).status_code == 404


def test_download_serves_the_file_as_attachment(web, world, jobs):
    for viewer in (world.rep_a, world.admin):
        response = web(viewer).get(_download(jobs["done"]))
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert "filename*=utf-8''%E5%90%8D%E5%8D%95.csv" in disposition
        assert response["Content-Type"].startswith("text/csv")
        assert b"".join(response.streaming_content) == "\ufeff名称\n".encode()


def test_download_without_a_file_is_404(web, world, jobs):
    assert web(world.rep_a).get(_download(jobs["mine"])).status_code == 404
    jobs["done"].file.storage.delete(jobs["done"].file.name)
    assert web(world.rep_a).get(_download(jobs["done"])).status_code == 404


def test_anonymous_is_sent_to_login(client, jobs):
    response = client.get(_detail(jobs["done"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_only_get_is_allowed(web, world, jobs):
    assert web(world.rep_a).post(_detail(jobs["done"])).status_code == 405
