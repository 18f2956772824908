"""The screens: inbox, a conversation (send and poll with htmx), a new conversation, the
@ autocomplete's colleague list; members only; constant query counts."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.messages import selectors, services
from guanxi.workspace.messages.models import Conversation, Message

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _send(world, actor, recipient, body):
    with org_scope(world.org):
        return services.message_send_to(actor=actor, recipient=recipient, body=body)


def test_inbox_shows_conversations_with_unread_badges(world, web, django_assert_max_num_queries):
    _send(world, world.rep_b, world.rep_a, "第一条")
    client = web(world.rep_a)
    client.get("/messages/")
    with django_assert_max_num_queries(14) as first:
        page = client.get("/messages/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="unread-badge">1<' in text and "李四" in text and "第一条" in text
    for person in (world.manager, world.agent, world.admin, world.readonly):
        _send(world, person, world.rep_a, "<script>alert(1)</script>")
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/messages/")
    text = page.content.decode()
    assert text.count('data-testid="conversation-row"') == 5
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text


def test_opening_a_conversation_marks_it_read(world, web, django_assert_max_num_queries):
    message = _send(world, world.rep_b, world.rep_a, "报价在附件\n请查收")
    client = web(world.rep_a)
    with django_assert_max_num_queries(20):
        page = client.get(f"/messages/{message.conversation_id}/")
    text = page.content.decode()
    assert page.status_code == 200 and "报价在附件<br>请查收" in text
    assert 'hx-trigger="every 15s, gx-poll"' in text
    with org_scope(world.org):
        assert selectors.unread_total(employee=world.rep_a) == 0


def test_send_with_htmx_returns_the_new_messages_and_a_blank_box(world, web):
    first = _send(world, world.rep_b, world.rep_a, "在吗")
    client = web(world.rep_a)
    url = f"/messages/{first.conversation_id}/send/"
    response = client.post(url, {"body": "在的", "after": first.pk}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#message-list"' in text and "在的" in text
    assert "在吗" not in text  # already on the page
    with org_scope(world.org):
        newest = Message.objects.order_by("-id").first()
    assert f'value="{newest.pk}"' in text  # the poller carries the newest id
    assert 'id="message-form"' in text and 'hx-swap-oob="true"' in text


def test_a_too_long_message_is_refused_with_the_text_kept(world, web):
    first = _send(world, world.rep_b, world.rep_a, "在吗")
    client = web(world.rep_a)
    response = client.post(
        f"/messages/{first.conversation_id}/send/", {"body": "长" * 2001, "after": first.pk}, **HTMX
    )
    text = response.content.decode()
    assert "消息不能超过 2000 字（现在 2001 字）。" in text and "长" * 50 in text
    with org_scope(world.org):
        assert Message.objects.count() == 1


def test_polling_brings_new_messages_and_marks_them_read(world, web):
    first = _send(world, world.rep_b, world.rep_a, "一")
    client = web(world.rep_a)
    client.get(f"/messages/{first.conversation_id}/")
    second = _send(world, world.rep_b, world.rep_a, "二")
    poll = client.get(f"/messages/{first.conversation_id}/poll/", {"after": first.pk}, **HTMX)
    text = poll.content.decode()
    assert f'id="message-{second.pk}"' in text and f'id="message-{first.pk}"' not in text
    with org_scope(world.org):
        assert selectors.unread_total(employee=world.rep_a) == 0
    quiet = client.get(f"/messages/{first.conversation_id}/poll/", {"after": second.pk}, **HTMX)
    assert "message-list" not in quiet.content.decode()


def test_only_members_open_send_or_poll(world, web):
    message = _send(world, world.rep_b, world.rep_a, "私事")
    client = web(world.manager)
    pk = message.conversation_id
    assert client.get(f"/messages/{pk}/").status_code == 404
    assert client.get(f"/messages/{pk}/poll/").status_code == 404
    assert client.post(f"/messages/{pk}/send/", {"body": "插话"}).status_code == 404
    assert client.get(f"/messages/message/{message.pk}/record/").status_code == 404
    with org_scope(world.org):
        assert Message.objects.count() == 1


def test_new_direct_message_and_new_group(world, web):
    client = web(world.rep_a)
    page = client.get(f"/messages/new/?to={world.rep_b.pk}")
    assert page.status_code == 200 and f'value="{world.rep_b.pk}" selected' in page.content.decode()
    sent = client.post(
        "/messages/new/", {"kind": "direct", "recipient": world.rep_b.pk, "body": "你好"}
    )
    with org_scope(world.org):
        conversation = Conversation.objects.get(kind="direct")
    assert sent.status_code == 302 and sent["Location"] == f"/messages/{conversation.pk}/"
    group = client.post(
        "/messages/new/",
        {"kind": "group", "name": "项目组", "members": [world.rep_b.pk, world.manager.pk]},
    )
    with org_scope(world.org):
        made = Conversation.objects.get(kind="group")
        assert group.status_code == 302 and made.memberships.count() == 3
    refused = client.post("/messages/new/", {"kind": "group", "name": "", "members": []})
    assert refused.status_code == 400


def test_group_page_adds_members(world, web):
    with org_scope(world.org):
        group = services.group_create(actor=world.rep_a, name="项目组", members=[world.rep_b])
    client = web(world.rep_b)
    response = client.post(f"/messages/{group.pk}/members/", {"members": [world.agent.pk]})
    assert response.status_code == 302
    with org_scope(world.org):
        assert group.memberships.filter(employee=world.agent).exists()


def test_people_lists_active_colleagues_for_the_autocomplete(world, web):
    client = web(world.rep_a)
    data = client.get("/messages/people/", {"q": "经理"}).json()
    assert [item["name"] for item in data["items"]] == ["王经理"]
    everyone = client.get("/messages/people/").json()["items"]
    assert world.rep_a.pk not in {item["id"] for item in everyone}


def test_unread_badge_fragment(world, web):
    _send(world, world.rep_b, world.rep_a, "一")
    text = web(world.rep_a).get("/messages/unread/").content.decode()
    assert 'data-testid="messages-unread"' in text and ">1</span>" in text


def test_start_page_card_shows_unread_conversations_at_a_constant_cost(world, web):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web(world.rep_a)
    assert 'data-testid="messages-card"' not in client.get("/").content.decode()
    _send(world, world.rep_b, world.rep_a, "第一条")
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        page = client.get("/").content.decode()
    assert 'data-testid="start-message"' in page and "第一条" in page
    for person in (world.manager, world.agent, world.admin, world.readonly):
        _send(world, person, world.rep_a, "更多")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    assert page.count('data-testid="start-message"') == 5
    assert len(many.captured_queries) == len(one.captured_queries)
