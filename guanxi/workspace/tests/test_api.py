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
        {"customer": customer.pk, "type": "meeting", "content": "线上会议",
         "next_follow_up": tomorrow.isoformat(), "outcome": "客户同意试用"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"] == world.rep_a.pk and body["department"] == world.east.pk
    assert body["version"] == 1
    assert body["type"] == "meeting" and body["outcome"] == "客户同意试用"
    assert body["next_follow_up"] == tomorrow.isoformat()
    assert body["target"] == {"type": "customer", "id": customer.pk}
    assert body["follow_up_state"] == "upcoming" and body["overdue"] is False
    with all_orgs():
        assert Customer.objects.get(pk=customer.pk).next_followup_on == tomorrow
    client.post(
        "/api/v1/activities", {"customer": customer.pk, "type": "call", "content": "电话"},
        format="json",
    )  # fmt: skip

    listing = client.get("/api/v1/activities", {"customer": customer.pk, "type": "meeting"})
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
        ({"content": "x", "type": "fax"}, "type"),
        ({"content": "x", "next_follow_up": "2000-01-01"}, "next_follow_up"),
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


# ---- the contract of issue 4: names, targets, visibility, my follow-ups --------------------


def test_old_field_names_are_refused_with_the_new_name(world, api, customer):
    """``kind``/``next_followup_on`` of the first version are gone: sent, they are refused
    (naming the new field) instead of being silently ignored; never in an answer."""
    client = api(world.rep_a)
    response = client.post(
        "/api/v1/activities",
        {"customer": customer.pk, "content": "x", "kind": "visit", "next_followup_on": None},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "type" in fields["kind"][0] and "next_follow_up" in fields["next_followup_on"][0]
    assert _count(Activity, world) == 0
    body = client.post(
        "/api/v1/activities", {"customer": customer.pk, "content": "x"}, format="json"
    ).json()
    assert "kind" not in body and "next_followup_on" not in body
    assert client.get("/api/v1/activities", {"kind": "fax"}).status_code == 200  # unknown filter


def test_a_follow_up_on_a_contact_names_its_customer_and_shows_on_both(world, api, customer):
    with org_scope(world.org):
        contact = customer_services.contact_create(
            actor=world.rep_a, customer=customer, name="陈静"
        )
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/activities",
        {"target": {"type": "contact", "id": contact.pk}, "content": "微信沟通", "type": "note",
         "participants": [world.rep_a.pk, world.manager.pk]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["target"] == {"type": "contact", "id": contact.pk}
    assert body["customer"] == customer.pk and body["contact"] == contact.pk
    assert body["participants"] == sorted([world.rep_a.pk, world.manager.pk])
    # a contact alone also makes it the target
    alone = client.post("/api/v1/activities", {"contact": contact.pk, "content": "电话"})
    assert alone.json()["target"] == {"type": "contact", "id": contact.pk}
    assert client.get("/api/v1/activities", {"customer": customer.pk}).json()["count"] == 2
    listed = client.get("/api/v1/activities", {"target_type": "contact", "target_id": contact.pk})
    assert listed.json()["count"] == 2
    with all_orgs():
        assert Customer.objects.get(pk=customer.pk).last_followup_at is not None


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"type": "planet", "id": 1}, "未知的关联记录类型"),
        ({"type": "customer", "id": 10**12}, "不存在"),
        ("customer:1", None),
        ({"type": "customer"}, None),
    ],
)
def test_bad_targets_are_400_on_target_and_write_nothing(world, api, customer, target, message):
    response = api(world.rep_a).post(
        "/api/v1/activities", {"target": target, "content": "x"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["fields"]["target"]
    if message:
        assert message in str(errors)
    assert _count(Activity, world) == 0


def test_targets_of_another_org_or_out_of_sight_are_refused(world, other_world, api, customer):
    with org_scope(other_world.org):
        foreign = customer_services.customer_create(actor=other_world.admin, name="外组织客户")
        foreign_contact = customer_services.contact_create(
            actor=other_world.admin, customer=foreign, name="外人"
        )
    client = api(world.rep_b)  # rep_b cannot see rep_a's customer
    for target, text in [
        ({"type": "customer", "id": foreign.pk}, "不存在"),
        ({"type": "contact", "id": foreign_contact.pk}, "不存在"),
        ({"type": "customer", "id": customer.pk}, "无权查看"),
    ]:
        response = client.post(
            "/api/v1/activities", {"target": target, "content": "x"}, format="json"
        )
        assert response.status_code == 400, target
        assert text in str(response.json()["fields"]["target"])
    # the customer and the target must agree
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
    response = api(world.rep_a).post(
        "/api/v1/activities",
        {"target": {"type": "customer", "id": customer.pk}, "customer": other.pk, "content": "x"},
        format="json",
    )
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    response = api(world.rep_a).post("/api/v1/activities", {"content": "x"}, format="json")
    assert response.status_code == 400 and "target" in response.json()["fields"]
    assert _count(Activity, world) == 0 and _count(Activity, other_world) == 0


def test_target_and_participants_of_another_org_cannot_be_set(world, other_world, api, customer):
    with org_scope(world.org):
        activity = services.activity_create(actor=world.rep_a, customer=customer, content="电话")
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
    client = api(world.rep_a)
    url = f"/api/v1/activities/{activity.pk}"
    moved = client.patch(url, {"target": {"type": "customer", "id": other.pk}}, format="json")
    assert moved.status_code == 400 and "target" in moved.json()["fields"]
    stranger = client.patch(url, {"participants": [other_world.admin.pk]}, format="json")
    assert stranger.status_code == 400 and "participants" in stranger.json()["fields"]
    same = client.patch(
        url, {"target": {"type": "customer", "id": customer.pk}, "outcome": "有意向"},
        format="json",
    )  # fmt: skip
    assert same.status_code == 200 and same.json()["outcome"] == "有意向"


def test_visibility_matrix(world, api):
    """Whoever sees the target sees its follow-ups, whoever wrote them (rep_a, rep_b: their
    own customers; the manager: his tree, 销售部 and both groups; readonly: customers of
    销售部 itself, none here)."""
    with org_scope(world.org):
        east = customer_services.customer_create(actor=world.rep_a, name="华东客户")
        north = customer_services.customer_create(actor=world.rep_b, name="华北客户")
        services.activity_create(actor=world.rep_a, customer=east, content="华东电话")
        services.activity_create(actor=world.rep_b, customer=north, content="华北电话")
        services.activity_create(actor=world.manager, customer=east, content="主管拜访")

    def seen(employee):
        items = api(employee).get("/api/v1/activities").json()["items"]
        return sorted(item["content"] for item in items)

    assert seen(world.rep_a) == ["主管拜访", "华东电话"]
    assert seen(world.rep_b) == ["华北电话"]
    assert seen(world.admin) == sorted(["主管拜访", "华北电话", "华东电话"])
    assert seen(world.manager) == seen(world.admin)
    assert seen(world.readonly) == []
    mine = api(world.rep_a).get("/api/v1/activities", {"owner": "me"}).json()["items"]
    assert [item["content"] for item in mine] == ["华东电话"]
    assert api(world.rep_a).get("/api/v1/activities", {"owner": "you"}).status_code == 400


def test_overdue_and_due_filters(world, api, customer):
    today = timezone.localdate()
    week_ago = timezone.now() - datetime.timedelta(days=7)
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
        late = services.activity_create(
            actor=world.rep_a, customer=customer, content="过期", occurred_at=week_ago,
            next_followup_on=today - datetime.timedelta(days=2),
        )  # fmt: skip
        services.activity_create(
            actor=world.rep_a, customer=other, content="今天", occurred_at=week_ago,
            next_followup_on=today,
        )  # fmt: skip
    client = api(world.rep_a)

    def contents(**params):
        response = client.get("/api/v1/activities", params)
        assert response.status_code == 200, response.content
        return sorted(item["content"] for item in response.json()["items"])

    assert contents(overdue="true") == ["过期"]
    assert contents(overdue="false") == ["今天"]
    assert contents(due="today") == ["今天"]
    assert contents(next_follow_up_before=(today - datetime.timedelta(days=1)).isoformat()) == [
        "过期"
    ]
    item = client.get(f"/api/v1/activities/{late.pk}").json()
    assert item["overdue"] is True and item["follow_up_state"] == "overdue"
    # a later follow-up on the same customer takes the plan over: no longer overdue
    client.post("/api/v1/activities", {"customer": customer.pk, "content": "回访了"})
    assert contents(overdue="true") == []
    assert client.get(f"/api/v1/activities/{late.pk}").json()["overdue"] is False


def test_list_queries_do_not_grow_with_the_rows(world, api, customer, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world.rep_a)
    with org_scope(world.org):
        contact = customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈")

    def add(n):
        with org_scope(world.org):
            for i in range(n):
                services.activity_create(
                    actor=world.rep_a, customer=customer, content=f"第{i}次", contact=contact,
                    participants=[world.rep_a, world.manager], participant_contacts=[contact],
                )  # fmt: skip

    add(1)
    client.get("/api/v1/activities")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/activities").json()["count"] == 1
    add(29)
    with django_assert_num_queries(len(one.captured_queries)):
        items = client.get("/api/v1/activities").json()["items"]
    assert len(items) == 30 and items[0]["participant_contacts"] == [contact.pk]
