"""Real-browser flow: export the filtered change log and download the CSV."""

import re

import pytest

from guanxi.audit.tests.factories import rename_department
from guanxi.jobs import services, tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class AuditLogPage:
    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/audit/")
        return self

    def filter_entity(self, label):
        self.page.select_option("select[name=entity]", label=label)
        self.page.click("[data-testid=audit-filter-submit]")
        self.page.wait_for_url(re.compile(r"entity=orgs\.department"))

    def rows(self):
        return self.page.locator("[data-testid=change-row]")

    def export(self):
        self.page.click("[data-testid=audit-export]")
        self.page.wait_for_url(re.compile(r"/jobs/\d+/$"))
        return JobPage(self.page)


class JobPage:
    def __init__(self, page):
        self.page = page
        self.bar = page.locator("[data-testid=job-progress-bar]")
        self.download_link = page.locator("[data-testid=job-download]")


def test_export_change_log_and_download(world, page, sign_in, monkeypatch):
    """The job page polls while the job waits, then shows 100% and the download link."""
    queue = []
    monkeypatch.setattr(tasks, "run_job", queue.append)  # the "worker" below runs it
    rename_department(world.admin, world.east, "华东一组")
    rename_department(world.admin, world.north, "华北一组")
    sign_in(world.admin)
    log = AuditLogPage(page).open()
    log.filter_entity("部门")
    assert log.rows().count() == 2
    assert "华北一组" in log.rows().first.inner_text()  # newest first

    job = log.export()
    page.wait_for_selector("[data-testid=job-progress][data-status=queued]")
    assert job.bar.get_attribute("aria-valuenow") == "0"
    assert job.download_link.count() == 0
    (job_id,) = queue
    services.job_run(job_id)  # a worker picks the job up; the open page notices by itself
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]")
    assert job.bar.get_attribute("aria-valuenow") == "100"
    assert "已导出 2 条变更记录。" in page.locator("[data-testid=job-summary]").inner_text()
    with page.expect_download() as info:
        job.download_link.click()
    download = info.value
    assert re.fullmatch(r"audit-log-\d{8}-\d{6}\.csv", download.suggested_filename)
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert "华东一组" in text and "华北一组" in text
