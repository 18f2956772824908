"""Installed product screens and API: list/detail/360 card query budgets, the form and
its errors, filters, import with a per-row error report, export."""

import io

import pytest
from openpyxl import load_workbook

from guanxi.core.tenancy import org_scope
from guanxi.jobs.models import Job
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.installed.tests.helpers import item

pytestmark = pytest.mark.django_db


def test_list_detail_and_card_keep_their_query_budget(world, web, django_assert_max_num_queries):
    client_record = h.customer(world)
    first = item(world, client=client_record, serial="L-1")
    browser = web(world.admin)
    with django_assert_max_num_queries(14):
        page = browser.get("/installed-products/")
    assert page.content.decode().count('data-testid="installed-row"') == 1
    for number in range(2, 6):
        item(world, client=client_record, serial=f"L-{number}")
    with django_assert_max_num_queries(14):
        page = browser.get("/installed-products/")
    assert page.content.decode().count('data-testid="installed-row"') == 5
    with django_assert_max_num_queries(16):
        assert browser.get(f"/installed-products/{first.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        card = browser.get(f"/installed-products/customer/{client_record.pk}/card/")
    assert card.content.decode().count('data-testid="installed-card-row"') == 5


def test_api_list_filters_and_query_budget(world, api, django_assert_max_num_queries):
    client_record = h.customer(world)
    old = item(world, client=client_record, serial="F-OLD", install_date="2020-01-01")
    new = item(world, client=client_record, serial="F-NEW", install_date="2026-11-01")
    rest = api(world.admin)
    with django_assert_max_num_queries(10):
        rows = rest.get("/api/v1/installed-products").json()["items"]
    assert {row["id"] for row in rows} >= {old.pk, new.pk}
    assert [
        r["id"] for r in rest.get("/api/v1/installed-products?warranty=out").json()["items"]
    ] == [old.pk]
    found = rest.get("/api/v1/installed-products", {"serial_number": "f-new"}).json()["items"]
    assert [r["id"] for r in found] == [new.pk]
    assert rest.get("/api/v1/installed-products?warranty=bogus").status_code == 400


def test_api_create_conflict_and_stale_version(world, api):
    client_record = h.customer(world)
    product = h.product(world)
    rest = api(world.admin)
    body = {"customer": client_record.pk, "product": product.pk, "serial_number": "API-1",
            "install_date": "2026-03-01", "warranty_months": 24}  # fmt: skip
    created = rest.post("/api/v1/installed-products", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["warranty_end"] == "2028-02-29"
    again = rest.post("/api/v1/installed-products", body, format="json")
    assert again.status_code == 400 and "serial_number" in again.json()["fields"]
    pk = created.json()["id"]
    ok = rest.patch(
        f"/api/v1/installed-products/{pk}", {"location": "A", "version": 1}, format="json"
    )
    assert ok.status_code == 200
    stale = rest.patch(
        f"/api/v1/installed-products/{pk}", {"location": "B", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    retired = rest.post(
        f"/api/v1/installed-products/{pk}/status", {"status": "retired"}, format="json"
    )
    assert retired.status_code == 200 and retired.json()["status"] == "retired"


def test_form_creates_and_shows_errors(world, web):
    client_record = h.customer(world)
    product = h.product(world)
    browser = web(world.admin)
    data = {"customer": client_record.pk, "product": product.pk, "serial_number": "FORM-1",
            "install_date": "2026-02-01", "warranty_months": "12"}  # fmt: skip
    response = browser.post("/installed-products/new/", data)
    assert response.status_code == 302, response.content.decode()[:1500]
    with org_scope(world.org):
        made = InstalledProduct.objects.get(serial_number="FORM-1")
    assert str(made.warranty_end) == "2027-01-31"
    again = browser.post("/installed-products/new/", data)
    assert again.status_code == 400 and "FORM-1" in again.content.decode()
    detail = browser.get(f"/installed-products/{made.pk}/").content.decode()
    assert 'data-testid="warranty-badge"' in detail and 'data-testid="history-tickets"' in detail


def test_import_keeps_good_rows_and_reports_bad_ones(
    world, web, django_capture_on_commit_callbacks
):
    client_record = h.customer(world, name="导入客户有限公司")
    product = h.product(world, code="IMP-P")
    text = (
        "客户,产品,序列号,安装日期,保修月数\n"
        f"导入客户有限公司,IMP-P,IMP-1,2026-01-01,12\n"
        f"没有这家公司,IMP-P,IMP-2,2026-01-01,12\n"
        f"{client_record.code},IMP-P,IMP-1,2026-01-01,12\n"
        f"导入客户有限公司,{product.name},IMP-3,2026/02/01,\n"
    )
    upload = io.BytesIO(text.encode("utf-8-sig"))
    upload.name = "installed.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = web(world.admin).post("/installed-products/import/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:1500]
    with org_scope(world.org):
        job = Job.objects.get(kind="installed_products.import")
        assert job.status == Job.Status.SUCCEEDED, job.error
        assert job.result == {"created": 2, "errors": 2}
        report = job.file.read().decode("utf-8-sig")
        serials = set(InstalledProduct.objects.values_list("serial_number", flat=True))
    assert serials == {"IMP-1", "IMP-3"}
    assert "3," in report and "没有这家公司" in report and "IMP-1" in report


def test_import_refuses_a_file_without_the_required_columns(
    world, web, django_capture_on_commit_callbacks
):
    upload = io.BytesIO("名称,数量\n甲,1\n".encode())
    upload.name = "bad.csv"
    with django_capture_on_commit_callbacks(execute=True):
        web(world.admin).post("/installed-products/import/", {"file": upload})
    with org_scope(world.org):
        job = Job.objects.get(kind="installed_products.import")
        assert job.status == Job.Status.FAILED and "客户" in job.error


def test_export_is_an_excel_workbook_of_the_filtered_list(world, web):
    item(world, serial="EXP-1")
    response = web(world.admin).get("/installed-products/export/?q=EXP")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "档案编号" and rows[1][3] == "EXP-1"


def test_a_rep_without_the_permission_is_refused(world, web):
    made = item(world)
    assert web(world.rep_a).get("/installed-products/").status_code == 403
    assert web(world.rep_a).get(f"/installed-products/{made.pk}/").status_code == 403
