"""The "catalog.export_products" job end to end: progress, file, audit, cost column."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied

from guanxi.audit.models import ExportRecord
from guanxi.catalog import jobs as catalog_jobs
from guanxi.core.tenancy import org_scope
from guanxi.jobs import registry
from guanxi.jobs import services as job_services
from guanxi.jobs.models import Job

pytestmark = pytest.mark.django_db


def _export(capture, actor, **params):
    with org_scope(actor.org), capture(execute=True):
        job = job_services.job_start(actor=actor, kind=catalog_jobs.EXPORT_KIND, params=params)
    with org_scope(actor.org):
        job.refresh_from_db()
    return job


def _rows(job):
    with job.file.open("rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def catalogue(world, make_category, make_product):
    printers = make_category("打印机")
    make_product(
        "激光打印机",
        category=printers,
        list_price="2899",
        cost_price="2150",
        unit="unit",
        tax_rate="13",
    )
    make_product("喷墨打印机", category=printers, list_price="1299", cost_price="960")
    make_product("安装服务", kind="service", list_price="200", cost_price="80", tax_rate="6")
    make_product("=HYPERLINK(1)", list_price="1")
    return printers


def test_the_job_kind_is_registered_at_startup():
    entry = registry.get("catalog.export_products")
    assert entry["permission"] == "products.export"


def test_export_runs_to_the_end_with_file_progress_and_audit(
    world, catalogue, django_capture_on_commit_callbacks
):
    job = _export(django_capture_on_commit_callbacks, world.admin)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.total == 4 and job.progress == job.total and job.percent == 100
    assert job.result["rows"] == 4
    assert job.file.name.endswith(".csv")
    assert registry.summary(job.kind, job.result) == "已导出 4 个产品。"

    rows = _rows(job)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["产品编号", "产品名称", "助记码"]
    assert "成本价" in header
    laser = dict(zip(header, body[0], strict=True))
    assert laser["产品名称"] == "激光打印机"
    assert (laser["分类"], laser["计量单位"], laser["标准售价"], laser["成本价"]) == (
        "打印机",
        "台",
        "2899.00",
        "2150.00",
    )
    assert laser["产品类型"] == "外购" and laser["状态"] == "启用"
    # a text cell that a spreadsheet would run as a formula is neutralised
    assert any(row[1] == "'=HYPERLINK(1)" for row in body)

    with org_scope(world.org):
        record = ExportRecord.objects.get()
    assert (record.entity, record.row_count, record.file_format) == ("catalog.product", 4, "csv")
    assert record.actor_id == world.admin.pk


def test_export_honours_filters(world, catalogue, django_capture_on_commit_callbacks):
    job = _export(
        django_capture_on_commit_callbacks, world.admin, category=str(catalogue.pk), q="激光"
    )
    assert job.status == Job.Status.SUCCEEDED
    assert [row[1] for row in _rows(job)[1:]] == ["激光打印机"]
    with org_scope(world.org):
        assert ExportRecord.objects.get().filters == {"category": str(catalogue.pk), "q": "激光"}


def test_no_cost_column_without_view_cost(
    world, clerk, catalogue, django_capture_on_commit_callbacks
):
    job = _export(django_capture_on_commit_callbacks, clerk)
    assert job.status == Job.Status.SUCCEEDED
    rows = _rows(job)
    assert "成本价" not in rows[0]
    assert not any("2150" in cell for row in rows for cell in row)


def test_export_in_english_when_started_in_english(
    world, catalogue, django_capture_on_commit_callbacks
):
    from django.utils import translation

    with translation.override("en"):
        job = _export(django_capture_on_commit_callbacks, world.admin)
    assert _rows(job)[0][:2] == ["Product code", "Product name"]


def test_export_needs_the_export_permission(world, catalogue):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        job_services.job_start(actor=world.readonly, kind=catalog_jobs.EXPORT_KIND, params={})
    with org_scope(world.org):
        assert not Job.objects.exists()
