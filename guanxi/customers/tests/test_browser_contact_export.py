"""Real-browser flow: exporting the filtered contact list to Excel."""

import io
import re

import openpyxl
import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.jobs import services as job_services
from guanxi.jobs import tasks
from guanxi.orgs.tests.factories import EmployeeFactory, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_exports_the_filtered_contacts_with_masked_phones(
    world, page, sign_in, monkeypatch
):
    queue = []
    monkeypatch.setattr(tasks, "run_job", queue.append)  # the "worker" below runs it
    with org_scope(world.org):
        tea = services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
        port = services.customer_create(actor=world.rep_b, name="宁波海运有限公司")
        services.contact_create(
            actor=world.rep_a, customer=tea, name="刘洋", gender="male", mobile="13612345678"
        )
        services.contact_create(actor=world.rep_b, customer=port, name="韩梅", gender="female")
        marketer = EmployeeFactory(
            org=world.org, name="市场小王", username="marketer", roles=[role(world.org, "市场专员")]
        )
    sign_in(marketer)
    page.goto("/customers/contacts/")
    page.select_option("[data-testid=filter-gender]", "male")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**/customers/contacts/?*gender=male*")
    assert page.locator("[data-testid=contact-name]").all_inner_texts() == ["刘洋"]

    page.click("[data-testid=contact-export-form] [data-testid=export-xlsx]")
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    page.wait_for_selector("[data-testid=job-progress][data-status=queued]")
    (job_id,) = queue
    job_services.job_run(job_id)  # the worker runs it; the open page notices by itself
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]")
    assert "已导出 1 个联系人。" in page.inner_text("[data-testid=job-summary]")
    with page.expect_download() as info:
        page.click("[data-testid=job-download]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    header, *rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    record = dict(zip(header, rows[0], strict=True))
    assert len(rows) == 1 and record["姓名"] == "刘洋"  # the list's filter applied
    assert record["客户名称"] == "杭州西湖茶业有限公司"
    assert record["手机"] == "136****5678"  # a marketer does not see full numbers
