"""``/api/v1/imports``: the whole flow, refusals, other people's imports."""

import csv
import io

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers.models import Customer
from guanxi.transfer.models import ImportBatch
from guanxi.transfer.tests.helpers import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _upload(client, content, name="c.csv"):
    return client.post("/api/v1/imports", {"file": upload(content, name)}, format="multipart")


def test_upload_map_validate_run_and_report(world, api, django_capture_on_commit_callbacks):
    client = api(world.manager)
    content = xlsx_bytes([["公司名称", "手机号", "说明"], ["甲公司", "13800000000", "x"],
                          ["乙公司", "bad", ""]])  # fmt: skip
    answer = _upload(client, content, "客户.xlsx")
    assert answer.status_code == 201, answer.content
    batch = answer.json()
    assert batch["header"] == ["公司名称", "手机号", "说明"]
    assert batch["mapping"] == ["name", "phone", "notes"] and batch["file_type"] == "xlsx"
    url = f"/api/v1/imports/{batch['id']}"

    changed = client.patch(url, {"mapping": ["name", "phone", ""], "valid_only": True},
                           format="json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["status"] == "mapped"

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{url}/validate")
    assert started.status_code == 202
    checked = client.get(url).json()
    assert checked["status"] == "validated" and checked["error_count"] == 1
    assert checked["first_errors"][0][:2] == [3, "手机号"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{url}/run").status_code == 202
    done = client.get(url).json()
    assert done["status"] == "done" and done["created_count"] == 1
    report = client.get(f"{url}/errors")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:2] == ["3", "手机号"]
    with org_scope(world.org):
        assert list(Customer.objects.values_list("name", "notes")) == [("甲公司", "")]
    # a finished import cannot be run again
    assert client.post(f"{url}/run").status_code == 422


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"", "a.csv"), (b"\x89PNG\r\n\x1a\n\x00\x00", "a.png"), ("客户名称\n".encode(), "a.csv")],
    ids=["empty", "image", "header-only"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(world, api, content, name):
    answer = _upload(api(world.manager), content, name)
    assert answer.status_code == 400 and answer.json()["fields"]["file"]
    with all_orgs():
        assert not ImportBatch.objects.exists()


def test_bad_mapping_is_a_400(world, api):
    client = api(world.manager)
    batch = _upload(client, csv_bytes([["客户名称", "电话"], ["甲", "13800000000"]])).json()
    answer = client.patch(f"/api/v1/imports/{batch['id']}", {"mapping": ["phone", "phone"]},
                          format="json")  # fmt: skip
    assert answer.status_code == 400 and answer.json()["fields"]["mapping"]


def test_rep_without_permission_and_other_people(world, other_world, api):
    assert _upload(api(world.rep_a), csv_bytes([["客户名称"], ["甲"]])).status_code == 403
    batch = _upload(api(world.manager), csv_bytes([["客户名称"], ["甲"]])).json()
    url = f"/api/v1/imports/{batch['id']}"
    assert api(world.rep_a).get(url).status_code == 403
    assert api(other_world.admin).get(url).status_code == 404
    assert api(other_world.admin).post(f"{url}/run").status_code == 404
    assert api(world.admin).get(url).status_code == 200  # an admin sees the org's imports
    assert api(world.manager).get(f"{url}/errors").status_code == 404  # no report yet
