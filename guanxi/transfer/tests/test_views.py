"""Import screens: upload, mapping with preview, validation result, import, refusals."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.transfer.models import ImportBatch
from guanxi.transfer.tests.helpers import csv_bytes, upload

pytestmark = pytest.mark.django_db

ROWS = [["客户名称", "电话", "备注"], ["甲公司", "13800000000", "好客户"], ["乙公司", "12x", ""]]


def _post_upload(client, content=None, name="c.csv"):
    return client.post("/transfer/import/", {"file": upload(content or csv_bytes(ROWS), name)})


def test_customer_list_offers_import_only_with_the_permission(world, web):
    assert (
        'data-testid="import-customers"' in web(world.manager).get("/customers/").content.decode()
    )
    assert (
        'data-testid="import-customers"' not in web(world.rep_a).get("/customers/").content.decode()
    )


def test_upload_map_validate_and_import(world, web, django_capture_on_commit_callbacks):
    client = web(world.manager)
    assert client.get("/transfer/import/").status_code == 200
    answer = _post_upload(client)
    assert answer.status_code == 302
    with org_scope(world.org):
        batch = ImportBatch.objects.get()
    page = client.get(answer["Location"]).content.decode()
    assert "甲公司" in page and 'data-testid="map-0"' in page  # preview and selects
    form = {"col_0": "name", "col_1": "phone", "col_2": "notes", "duplicate_mode": "skip"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/transfer/import/{batch.pk}/", {**form, "action": "validate"})
    assert answer.status_code == 302
    page = client.get(f"/transfer/import/{batch.pk}/").content.decode()
    assert 'data-testid="import-result"' in page and "不是有效的电话号码" in page
    assert client.get(f"/transfer/import/{batch.pk}/errors/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/transfer/import/{batch.pk}/", {**form, "valid_only": "on", "action": "run"})
    with org_scope(world.org):
        assert list(Customer.objects.values_list("name", "notes")) == [("甲公司", "好客户")]
        assert ImportBatch.objects.get().status == "done"
    progress = client.get(f"/transfer/import/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"


def test_bad_file_shows_the_error_and_stores_nothing(world, web):
    answer = _post_upload(web(world.manager), b"\x00\x01\x02", "x.csv")
    assert answer.status_code == 400 and "不是 CSV" in answer.content.decode()
    with org_scope(world.org):
        assert not ImportBatch.objects.exists()


def test_bad_mapping_is_shown(world, web):
    client = web(world.manager)
    _post_upload(client)
    with org_scope(world.org):
        batch = ImportBatch.objects.get()
    answer = client.post(f"/transfer/import/{batch.pk}/", {"col_0": "phone", "col_1": "",
                         "col_2": "", "duplicate_mode": "skip", "action": "validate"})  # fmt: skip
    assert answer.status_code == 400 and "客户名称" in answer.content.decode()


def test_refusals(world, other_world, web):
    assert web(world.rep_a).get("/transfer/import/").status_code == 403
    _post_upload(web(world.manager))
    with org_scope(world.org):
        batch = ImportBatch.objects.get()
    assert web(other_world.admin).get(f"/transfer/import/{batch.pk}/").status_code == 404
    assert web(world.rep_a).get(f"/transfer/import/{batch.pk}/").status_code == 403


def test_pages_need_a_fixed_number_of_queries(world, web, django_assert_max_num_queries):
    client = web(world.manager)
    for _n in range(3):
        _post_upload(client)
    with org_scope(world.org):
        batch = ImportBatch.objects.first()
    with django_assert_max_num_queries(12):
        assert client.get("/transfer/import/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/transfer/import/{batch.pk}/").status_code == 200
