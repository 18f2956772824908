"""``/api/v1/activities`` and ``/api/v1/attachments``."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.workspace import services
from guanxi.workspace.models import Activity, Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")


def _count(model, world):
    with all_orgs():
        return model.with_deleted.filter(org=world.org).count()


def test_create_list_filter_patch_delete(world, api, customer):
    client = api(world.rep_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    created = client.post(
        "/api/v1/activities",
        {"customer": customer.pk, "kind": "meeting", "content": "线上会议",
         "next_followup_on": tomorrow.isoformat()},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"] == world.rep_a.pk and body["department"] == world.east.pk
    assert body["version"] == 1
    with all_orgs():
        assert Customer.objects.get(pk=customer.pk).next_followup_on == tomorrow
    client.post(
        "/api/v1/activities", {"customer": customer.pk, "kind": "call", "content": "电话"},
        format="json",
    )  # fmt: skip

    listing = client.get("/api/v1/activities", {"customer": customer.pk, "kind": "meeting"})
    assert [item["content"] for item in listing.json()["items"]] == ["线上会议"]
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/activities", {"occurred_after": later}).json()["count"] == 0
    assert client.get("/api/v1/activities", {"owner": world.rep_a.pk}).json()["count"] == 2

    url = f"/api/v1/activities/{body['id']}"
    patched = client.patch(url, {"subject": "季度会议", "version": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(url, {"subject": "又改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    with all_orgs():
        assert Customer.objects.get(pk=customer.pk).next_followup_on is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "未来", "occurred_at": "2099-01-01T10:00:00+08:00"}, "occurred_at"),
        ({"content": "x", "kind": "fax"}, "kind"),
    ],
)
def test_bad_input_is_400_with_the_field(world, api, customer, body, field):
    response = api(world.rep_a).post(
        "/api/v1/activities", {"customer": customer.pk, **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _count(Activity, world) == 0


def test_contact_of_another_customer_and_foreign_customer_are_refused(
    world, other_world, api, customer
):
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
        stranger = customer_services.contact_create(actor=world.rep_a, customer=other, name="路人")
    with org_scope(other_world.org):
        foreign = customer_services.customer_create(actor=other_world.admin, name="外组织客户")
    client = api(world.rep_a)
    response = client.post(
        "/api/v1/activities",
        {"customer": customer.pk, "content": "x", "contact": stranger.pk},
        format="json",
    )
    assert response.status_code == 400 and "contact" in response.json()["fields"]
    response = client.post(
        "/api/v1/activities", {"customer": foreign.pk, "content": "x"}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    assert _count(Activity, world) == 0 and _count(Activity, other_world) == 0


def test_list_hides_follow_ups_of_customers_out_of_sight(world, api, customer):
    with org_scope(world.org):
        services.activity_create(actor=world.rep_a, customer=customer, content="电话")
        customer_services.customers_transfer(
            actor=world.admin, customer_ids=[customer.pk], owner=world.rep_b
        )
    # rep_a did it (own data scope) but no longer sees the customer
    assert api(world.rep_a).get("/api/v1/activities").json()["items"] == []
    # rep_b, the customer's new owner, reads its whole history, rep_a's call included…
    items = api(world.rep_b).get("/api/v1/activities").json()["items"]
    assert [item["content"] for item in items] == ["电话"]
    assert api(world.manager).get("/api/v1/activities").json()["count"] == 1
    # …but may not change or delete what rep_a wrote (activities data scope: own)
    record = items[0]["id"]
    assert (
        api(world.rep_b).patch(f"/api/v1/activities/{record}", {"content": "改"}).status_code == 404
    )
    assert api(world.rep_b).delete(f"/api/v1/activities/{record}").status_code == 404


def test_upload_list_download_rename_delete(world, api, customer):
    client = api(world.rep_a)
    upload = SimpleUploadedFile("合同<草稿>.pdf", b"%PDF-1.4 contract")
    created = client.post(
        "/api/v1/attachments", {"customer": customer.pk, "file": upload}, format="multipart"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "合同_草稿_.pdf" and body["size"] == 17
    assert body["content_type"] == "application/pdf"
    listing = client.get("/api/v1/attachments", {"customer": customer.pk}).json()
    assert [item["id"] for item in listing["items"]] == [body["id"]]

    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 contract"
    assert "filename*=UTF-8''" in download["Content-Disposition"]

    url = f"/api/v1/attachments/{body['id']}"
    renamed = client.patch(url, {"name": "../正式合同.pdf"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "正式合同.pdf"
    assert client.delete(url).status_code == 204
    assert client.get(f"{url}/download").status_code == 404


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", 400),
        (b"0" * (21 * 1024 * 1024), 400),
    ],
)
def test_bad_uploads_are_refused(world, api, customer, data, status, settings):
    response = api(world.rep_a).post(
        "/api/v1/attachments",
        {"customer": customer.pk, "file": SimpleUploadedFile("x.bin", data)},
        format="multipart",
    )
    assert response.status_code == status
    assert "file" in response.json()["fields"]
    assert _count(Attachment, world) == 0
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_upload_needs_edit_rights_on_a_visible_customer(world, other_world, api, customer):
    def post(employee, target):
        return api(employee).post(
            "/api/v1/attachments",
            {"customer": target.pk, "file": SimpleUploadedFile("a.txt", b"a")},
            format="multipart",
        )

    with org_scope(other_world.org):
        foreign = customer_services.customer_create(actor=other_world.admin, name="外组织客户")
    assert post(world.readonly, customer).status_code == 403
    assert post(world.rep_b, customer).status_code == 404
    assert post(world.admin, foreign).status_code == 404
    assert _count(Attachment, world) == 0 and _count(Attachment, other_world) == 0
