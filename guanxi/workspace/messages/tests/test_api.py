"""``/api/v1/conversations`` and ``/api/v1/messages``: contract, membership, isolation
(another org's or another's conversation is a 404 and stays unchanged), errors, paging
and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Employee
from guanxi.workspace.messages import services
from guanxi.workspace.messages.models import Conversation, Membership, Message
from guanxi.workspace.messages.tests.samples import build_conversation, build_message

pytestmark = pytest.mark.django_db


def test_send_to_a_colleague_then_read_it_as_them(world, api):
    sender, reader = api(world.rep_a), api(world.rep_b)
    sent = sender.post(
        "/api/v1/messages", {"recipient": world.rep_b.pk, "body": "明天拜访？"}, format="json"
    )
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["sender"] == world.rep_a.pk and body["sender_name"] == "张三"
    conversation = body["conversation"]
    again = sender.post(
        "/api/v1/messages", {"conversation": conversation, "body": "<b>十点</b>"}, format="json"
    )
    assert again.status_code == 201 and again.json()["body"] == "<b>十点</b>"

    listing = reader.get("/api/v1/conversations").json()
    assert listing["count"] == 1
    row = listing["items"][0]
    assert row["id"] == conversation and row["kind"] == "direct" and row["title"] == "张三"
    assert row["unread"] == 2 and sorted(row["members"]) == sorted([world.rep_a.pk, world.rep_b.pk])
    assert row["last_message"]["body"] == "<b>十点</b>"
    assert reader.get("/api/v1/conversations/unread-count").json() == {"unread": 2}

    page = reader.get(f"/api/v1/conversations/{conversation}/messages", {"limit": 1}).json()
    assert [m["body"] for m in page["items"]] == ["<b>十点</b>"] and page["count"] == 2
    older = reader.get(page["next"]).json()
    assert [m["body"] for m in older["items"]] == ["明天拜访？"]

    read = reader.post(f"/api/v1/conversations/{conversation}/read", {}, format="json")
    assert read.status_code == 200 and read.json()["unread"] == 0
    assert reader.get("/api/v1/conversations/unread-count").json() == {"unread": 0}
    mine = reader.get("/api/v1/messages", {"conversation": conversation}).json()
    assert mine["count"] == 2


def test_reply_inside_the_conversation_and_make_a_group(world, api):
    client = api(world.manager)
    group = client.post(
        "/api/v1/conversations",
        {"kind": "group", "name": "华北周会", "members": [world.rep_a.pk, world.rep_b.pk]},
        format="json",
    )
    assert group.status_code == 201, group.content
    pk = group.json()["id"]
    assert group.json()["title"] == "华北周会" and len(group.json()["members"]) == 3
    posted = client.post(f"/api/v1/conversations/{pk}/messages", {"body": "周五"}, format="json")
    assert posted.status_code == 201 and posted.json()["conversation"] == pk
    renamed = api(world.rep_a).patch(f"/api/v1/conversations/{pk}", {"name": "周会"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "周会"
    added = api(world.rep_a).post(
        f"/api/v1/conversations/{pk}/members", {"members": [world.agent.pk]}, format="json"
    )
    assert added.status_code == 200 and world.agent.pk in added.json()["members"]
    direct = client.post("/api/v1/conversations", {"recipient": world.rep_a.pk}, format="json")
    assert direct.status_code == 201 and direct.json()["kind"] == "direct"
    same = api(world.rep_a).post(
        "/api/v1/conversations", {"recipient": world.manager.pk}, format="json"
    )
    assert same.status_code == 200 and same.json()["id"] == direct.json()["id"]


def test_errors_are_clear_and_write_nothing(world, api):
    client = api(world.rep_a)
    too_long = client.post(
        "/api/v1/messages", {"recipient": world.rep_b.pk, "body": "字" * 2001}, format="json"
    )
    assert too_long.status_code == 400 and "body" in too_long.json()["fields"]
    blank = client.post(
        "/api/v1/messages", {"recipient": world.rep_b.pk, "body": "  "}, format="json"
    )
    assert blank.status_code == 400 and blank.json()["fields"]["body"] == ["请输入消息内容。"]
    neither = client.post("/api/v1/messages", {"body": "hi"}, format="json")
    assert neither.status_code == 400
    both = client.post(
        "/api/v1/messages",
        {"recipient": world.rep_b.pk, "conversation": 1, "body": "hi"},
        format="json",
    )
    assert both.status_code == 400
    huge = client.post("/api/v1/messages", {"recipient": 2**70, "body": "hi"}, format="json")
    assert huge.status_code == 400
    with org_scope(world.org):
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
    left = client.post(
        "/api/v1/messages", {"recipient": world.rep_b.pk, "body": "在吗"}, format="json"
    )
    assert left.status_code == 422 and "已离职" in left.json()["detail"]
    with all_orgs():
        assert not Message.objects.exists() and not Conversation.objects.exists()


def test_another_orgs_conversation_is_404_and_unchanged(world, other_world, api):
    foreign = build_conversation(other_world)
    foreign_message = build_message(other_world)
    client = api(world.admin)
    base = f"/api/v1/conversations/{foreign.pk}"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"name": "改"}, format="json").status_code == 404
    assert client.get(f"{base}/messages").status_code == 404
    assert client.post(f"{base}/messages", {"body": "x"}, format="json").status_code == 404
    assert client.post(f"{base}/read", {}, format="json").status_code == 404
    assert (
        client.post(f"{base}/members", {"members": [world.rep_a.pk]}, format="json").status_code
        == 404
    )
    assert client.get(f"/api/v1/messages/{foreign_message.pk}").status_code == 404
    sent = client.post("/api/v1/messages", {"conversation": foreign.pk, "body": "x"}, format="json")
    assert sent.status_code == 404
    cross = client.post(
        "/api/v1/messages", {"recipient": other_world.rep_a.pk, "body": "x"}, format="json"
    )
    assert cross.status_code == 400
    assert client.get("/api/v1/conversations").json()["items"] == []
    assert client.get("/api/v1/messages").json()["items"] == []
    with all_orgs():
        assert Conversation.objects.get(pk=foreign.pk).name == "样本群聊"
        assert Message.objects.filter(conversation=foreign).count() == 0
        assert Membership.objects.filter(conversation=foreign).count() == 3


def test_a_colleagues_conversation_is_404_too(world, api):
    """Same org, not a member (even the admin): nothing shows, nothing changes."""
    with org_scope(world.org):
        message = services.message_send_to(actor=world.rep_a, recipient=world.rep_b, body="私事")
    for outsider in (world.admin, world.manager, world.readonly):
        client = api(outsider)
        assert client.get(f"/api/v1/conversations/{message.conversation_id}").status_code == 404
        assert client.get(f"/api/v1/messages/{message.pk}").status_code == 404
        assert (
            client.get("/api/v1/messages", {"conversation": message.conversation_id}).json()[
                "items"
            ]
            == []
        )
        assert (
            client.post(
                "/api/v1/messages",
                {"conversation": message.conversation_id, "body": "插话"},
                format="json",
            ).status_code
            == 404
        )
    with org_scope(world.org):
        assert Message.objects.count() == 1


def test_every_active_employee_may_message_without_a_grant(world, api):
    """The read-only role may still talk to colleagues (messaging needs no permission)."""
    sent = api(world.readonly).post(
        "/api/v1/messages", {"recipient": world.manager.pk, "body": "请开通权限"}, format="json"
    )
    assert sent.status_code == 201
    assert api().get("/api/v1/messages").status_code == 401


def test_list_query_counts_are_constant(world, api):
    client = api(world.rep_a)
    with org_scope(world.org):
        services.message_send_to(actor=world.rep_b, recipient=world.rep_a, body="一")
    client.get("/api/v1/conversations")
    with CaptureQueriesContext(connection) as conv_one:
        assert client.get("/api/v1/conversations").status_code == 200
    with CaptureQueriesContext(connection) as msg_one:
        assert client.get("/api/v1/messages").status_code == 200
    with org_scope(world.org):
        for person in (world.manager, world.agent, world.admin, world.readonly):
            services.message_send_to(actor=person, recipient=world.rep_a, body="二")
            services.message_send_to(actor=world.rep_a, recipient=person, body="三")
        services.group_create(actor=world.manager, name="群", members=[world.rep_a, world.rep_b])
    with CaptureQueriesContext(connection) as conv_many:
        response = client.get("/api/v1/conversations")
    assert len(response.json()["items"]) == 6
    with CaptureQueriesContext(connection) as msg_many:
        response = client.get("/api/v1/messages")
    assert len(response.json()["items"]) == 9
    assert len(conv_many.captured_queries) == len(conv_one.captured_queries)
    assert len(msg_many.captured_queries) == len(msg_one.captured_queries)


def test_openapi_document_names_the_new_paths(api):
    paths = api().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/conversations",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/conversations/{id}/read",
        "/api/v1/messages",
    ):
        assert path in paths


def test_a_retried_send_with_the_same_idempotency_key_posts_once(world, api):
    client = api(world.rep_a)
    body = {"recipient": world.rep_b.pk, "body": "只发一次"}
    first = client.post("/api/v1/messages", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/messages", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = client.post(
        "/api/v1/messages", {**body, "body": "另一条"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    pk = first.json()["conversation"]
    url = f"/api/v1/conversations/{pk}/messages"
    one = client.post(url, {"body": "二"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    two = client.post(url, {"body": "二"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert one.json()["id"] == two.json()["id"]
    with org_scope(world.org):
        assert Message.objects.count() == 2


def test_conversations_by_latest_activity(world, api):
    with org_scope(world.org):
        older = services.message_send_to(actor=world.rep_b, recipient=world.rep_a, body="一")
        newer = services.message_send_to(actor=world.manager, recipient=world.rep_a, body="二")
        services.message_send(actor=world.rep_b, conversation=older.conversation, body="三")
    client = api(world.rep_a)
    by_id = client.get("/api/v1/conversations").json()["items"]
    assert [c["id"] for c in by_id] == [newer.conversation_id, older.conversation_id]
    latest = client.get("/api/v1/conversations", {"ordering": "-last_message_at"}).json()
    assert [c["id"] for c in latest["items"]] == [older.conversation_id, newer.conversation_id]
