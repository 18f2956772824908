"""The customer CSV export: scope, masking, labels, formula safety, audit."""

import csv
import io

import pytest

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.jobs.models import Job
from guanxi.orgs.tests.factories import EmployeeFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world, other_world):
    with org_scope(world.org):
        services.customer_create(
            actor=world.rep_a,
            name='=HYPERLINK("x")',
            phone="13812345678",
            industry="it",
            level="key",
        )
        services.customer_create(actor=world.rep_b, name="北方客户", phone="13900001111")
    with org_scope(other_world.org):
        services.customer_create(actor=other_world.rep_a, name="别家客户")


def _export(client, capture, **params):
    with capture(execute=True):
        response = client.post(
            "/api/v1/customers/export"
            + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        )
    assert response.status_code == 202, response.content
    with all_orgs():
        job = Job.objects.get(pk=response.json()["job"])
        assert job.status == Job.Status.SUCCEEDED, job.error
        return list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))


def test_manager_exports_the_team_with_labels_and_full_phones(
    world, data, api, django_capture_on_commit_callbacks
):
    rows = _export(api(world.manager), django_capture_on_commit_callbacks)
    header, *body = rows
    assert header[:4] == ["客户编号", "客户名称", "助记码", "电话"]
    names = {row[1] for row in body}
    assert names == {'\'=HYPERLINK("x")', "北方客户"}  # formula defused; other org absent
    first = next(row for row in body if row[1].startswith("'"))
    assert first[3] == "13812345678" and first[8] == "信息技术" and first[9] == "重点客户"
    with all_orgs():
        record = ExportRecord.objects.get(org=world.org, entity="customers.customer")
    assert record.row_count == 2 and record.actor_id == world.manager.pk


def test_marketing_sees_masked_phones_and_filters_apply(
    world, data, api, django_capture_on_commit_callbacks
):
    marketer = EmployeeFactory(org=world.org, name="市场小王", roles=[role(world.org, "市场专员")])
    rows = _export(api(marketer), django_capture_on_commit_callbacks, q="北方")
    assert len(rows) == 2 and rows[1][1] == "北方客户" and rows[1][3] == "139****1111"


def test_export_needs_the_permission(world, data, api):
    assert api(world.rep_a).post("/api/v1/customers/export").status_code == 403
    with all_orgs():
        assert not Job.objects.filter(org=world.org).exists()


def _export_xlsx(client, capture, **params):
    import openpyxl

    query = "&".join(f"{k}={v}" for k, v in {"file_format": "xlsx", **params}.items())
    with capture(execute=True):
        response = client.post(f"/api/v1/customers/export?{query}")
    assert response.status_code == 202, response.content
    with all_orgs():
        job = Job.objects.get(pk=response.json()["job"])
        assert job.status == Job.Status.SUCCEEDED, job.error
        assert job.file.name.endswith(".xlsx")
        book = openpyxl.load_workbook(io.BytesIO(job.file.read()), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_excel_export_has_labels_safe_cells_and_is_audited(
    world, data, api, django_capture_on_commit_callbacks
):
    header, *body = _export_xlsx(api(world.manager), django_capture_on_commit_callbacks)
    assert header[:4] == ["客户编号", "客户名称", "助记码", "电话"]
    first = next(row for row in body if str(row[1]).startswith("'"))
    assert first[1] == '\'=HYPERLINK("x")'  # text, never a formula
    assert first[3] == "13812345678" and first[8] == "信息技术"
    assert {row[1] for row in body} == {'\'=HYPERLINK("x")', "北方客户"}
    with all_orgs():
        record = ExportRecord.objects.get(org=world.org, entity="customers.customer")
    assert record.file_format == "xlsx" and record.row_count == 2
    assert "file_format" not in record.filters


def test_excel_export_masks_phones_and_filters(
    world, data, api, django_capture_on_commit_callbacks
):
    marketer = EmployeeFactory(org=world.org, name="市场小李", roles=[role(world.org, "市场专员")])
    rows = _export_xlsx(api(marketer), django_capture_on_commit_callbacks, q="北方")
    assert len(rows) == 2 and rows[1][1] == "北方客户" and rows[1][3] == "139****1111"


def test_tags_custom_fields_and_every_text_cell_are_written_safely(
    world, api, django_capture_on_commit_callbacks
):
    from guanxi.customers.models import Customer
    from guanxi.orgs import services as org_services

    with org_scope(world.org):
        org_services.custom_field_create(
            actor=world.admin, entity="customer", code="scale", label="员工规模", field_type="text"
        )
        org_services.custom_field_create(
            actor=world.admin,
            entity="customer",
            code="channel",
            label="渠道",
            field_type="choice",
            choices=[{"code": "direct", "label": "直销"}],
        )
        services.customer_create(
            actor=world.rep_a,
            name="标签客户",
            phone="+8613812345678",
            tags=["重点", "=1+1"],
            notes="@SUM(A1)",
            address="-x",
            custom={"scale": "=cmd", "channel": "direct"},
        )
        plain = services.customer_create(actor=world.rep_a, name="朴素客户", notes="-12.5")
        Customer.objects.filter(pk=plain.pk).update(level="gone")  # a code no longer listed
    header, *body = _export(api(world.manager), django_capture_on_commit_callbacks)
    assert header[-2:] == ["员工规模", "渠道"]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    tagged, other = rows["标签客户"], rows["朴素客户"]
    assert tagged["电话"] == "'+8613812345678" and tagged["标签"] == "重点、=1+1"
    assert tagged["备注"] == "'@SUM(A1)" and tagged["办公地址"] == "'-x"
    assert tagged["员工规模"] == "'=cmd" and tagged["渠道"] == "直销"
    assert other["客户级别"] == "gone" and other["备注"] == "-12.5"  # a number stays a number
    assert other["标签"] == other["员工规模"] == other["渠道"] == ""


def test_rows_are_streamed_in_batches_with_progress(
    world, data, api, django_capture_on_commit_callbacks, monkeypatch
):
    from guanxi.customers import jobs as customer_jobs
    from guanxi.jobs import services as job_services

    saved = []
    flush = job_services.Reporter.flush

    def recording_flush(reporter):
        flush(reporter)
        saved.append(reporter.job.progress)

    monkeypatch.setattr(job_services.Reporter, "flush", recording_flush)
    monkeypatch.setattr(job_services, "PROGRESS_EVERY", 1)

    monkeypatch.setattr(customer_jobs, "CHUNK_SIZE", 2)
    monkeypatch.setattr(customer_jobs, "BATCH_SIZE", 1)  # every row its own batch
    monkeypatch.setattr(customer_jobs, "PROGRESS_SECONDS", 0)  # saved after each
    for n in range(3):
        with org_scope(world.org):
            services.customer_create(actor=world.rep_a, name=f"批量客户{n}")
    _header, *body = _export(api(world.manager), django_capture_on_commit_callbacks)
    assert len(body) == 5 and body[-1][1] == "批量客户2"  # in id order
    with all_orgs():
        job = Job.objects.get(org=world.org, kind=customer_jobs.EXPORT_KIND)
    assert job.total == job.progress == 5 and job.result["rows"] == 5
    assert saved[:5] == [1, 2, 3, 4, 5]  # saved batch by batch as the rows were written
