"""Conversations and messages: one direct conversation per pair, membership decides
everything, unread counts, length limits, leavers, notifications."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Employee
from guanxi.workspace.messages import selectors, services
from guanxi.workspace.messages.models import BODY_LENGTH, Conversation, Membership, Message
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(world):
    with org_scope(world.org):
        yield world


def test_one_direct_conversation_per_pair_whoever_writes_first(scoped):
    w = scoped
    first = services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="你好")
    reply = services.message_send_to(actor=w.rep_b, recipient=w.rep_a, body="你好呀")
    assert first.conversation_id == reply.conversation_id
    assert Conversation.objects.filter(kind="direct").count() == 1
    conversation, created = services.direct_get_or_create(actor=w.rep_a, other=w.rep_b.pk)
    assert not created and conversation.pk == first.conversation_id


def test_the_pair_is_unique_in_the_database(scoped):
    """Two first messages at once: the unique constraint refuses the second row, and the
    service then answers with the first conversation."""
    from django.db import IntegrityError, transaction

    w = scoped
    conversation, _ = services.direct_get_or_create(actor=w.rep_a, other=w.rep_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(
            org=w.org, kind="direct", direct_key=services.direct_key(w.rep_b, w.rep_a)
        )
    # a concurrent request that looked before the first insert committed
    original = Conversation.objects.filter

    class Missed:
        def first(self):
            return None

    def filter_once(*args, **kwargs):
        Conversation.objects.filter = original
        return Missed()

    Conversation.objects.filter = filter_once
    try:
        again, created = services.direct_get_or_create(actor=w.rep_b, other=w.rep_a)
    finally:
        Conversation.objects.filter = original
    assert again.pk == conversation.pk and not created
    assert Membership.objects.filter(conversation=conversation).count() == 2


def test_unread_counts_per_conversation_and_total(scoped):
    """Unread: newer than my read position and not mine. Replying means I have read
    what came before."""
    w = scoped
    services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="一")
    services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="二")
    group = services.group_create(actor=w.manager, name="华北周会", members=[w.rep_b, w.rep_a])
    services.message_send(actor=w.manager, conversation=group, body="周五开会")
    counts = {c.pk: c.unread for c in selectors.conversation_queryset(employee=w.rep_b)}
    assert counts[group.pk] == 1 and sorted(counts.values()) == [1, 2]
    assert selectors.unread_total(employee=w.rep_b) == 3
    assert selectors.unread_total(employee=w.rep_a) == 1
    services.message_send(actor=w.rep_b, conversation=group, body="收到")
    assert selectors.unread_total(employee=w.rep_b) == 2  # the group is read now
    assert selectors.unread_total(employee=w.rep_a) == 2
    assert selectors.unread_total(employee=w.manager) == 1
    first = Message.objects.filter(conversation=group).order_by("id").first()
    services.conversation_mark_read(actor=w.rep_a, conversation=group, up_to=first.pk)
    assert selectors.unread_total(employee=w.rep_a) == 1
    # the read position never moves back
    services.conversation_mark_read(actor=w.rep_a, conversation=group, up_to=1)
    assert selectors.unread_total(employee=w.rep_a) == 1
    services.conversation_mark_read(actor=w.rep_a, conversation=group)
    assert selectors.unread_total(employee=w.rep_a) == 0


def test_only_members_read_and_post(scoped):
    w = scoped
    message = services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="私聊")
    conversation = message.conversation
    with pytest.raises(Http404):
        selectors.access_conversation(w.manager, conversation.pk)
    with pytest.raises(Http404):
        services.message_send(actor=w.manager, conversation=conversation, body="偷看")
    with pytest.raises(Http404):
        services.conversation_mark_read(actor=w.manager, conversation=conversation)
    assert not selectors.message_queryset(employee=w.manager).exists()
    assert Message.objects.count() == 1


def test_body_is_required_and_limited_with_a_clear_error(scoped):
    w = scoped
    with pytest.raises(ValidationError) as error:
        services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="字" * (BODY_LENGTH + 1))
    assert "不能超过 2000 字" in str(error.value.message_dict["body"])
    with pytest.raises(ValidationError):
        services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="   ")
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_leavers_receive_no_new_direct_messages(scoped):
    w = scoped
    services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="交接一下")
    Employee.objects.filter(pk=w.rep_b.pk).update(status=Employee.Status.LEFT)
    w.rep_b.refresh_from_db()
    with pytest.raises(BusinessRuleError) as error:
        services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="还在吗")
    assert "已离职" in str(error.value.message)
    with pytest.raises(BusinessRuleError):
        services.message_send_to(actor=w.manager, recipient=w.rep_b, body="新对话")
    assert Message.objects.count() == 1


def test_cannot_write_to_oneself_or_another_org(world, other_world):
    with org_scope(world.org):
        with pytest.raises(ValidationError):
            services.message_send_to(actor=world.rep_a, recipient=world.rep_a, body="自言自语")
        with pytest.raises(ValidationError):
            services.message_send_to(actor=world.rep_a, recipient=other_world.rep_a, body="跨组织")
        with pytest.raises(ValidationError):
            services.group_create(actor=world.rep_a, name="跨组织", members=[other_world.rep_b.pk])
    with all_orgs():
        assert not Conversation.objects.exists()


def test_group_members_add_colleagues_who_then_read_the_history(scoped):
    w = scoped
    group = services.group_create(actor=w.manager, name="项目群", members=[w.rep_a])
    services.message_send(actor=w.rep_a, conversation=group, body="方案已发")
    with pytest.raises(Http404):
        services.group_add_members(actor=w.rep_b, conversation=group, members=[w.rep_b])
    added = services.group_add_members(
        actor=w.rep_a, conversation=group, members=[w.rep_b, w.manager]
    )
    assert [e.pk for e in added] == [w.rep_b.pk]  # the manager was in already
    assert selectors.access_conversation(w.rep_b, group.pk).unread == 1
    direct = services.message_send_to(actor=w.rep_a, recipient=w.agent, body="单聊").conversation
    with pytest.raises(BusinessRuleError):
        services.group_add_members(actor=w.rep_a, conversation=direct, members=[w.rep_b])
    with pytest.raises(ValidationError):
        services.group_create(actor=w.rep_a, name="  ", members=[w.rep_b])
    with pytest.raises(ValidationError):
        services.group_create(actor=w.rep_a, name="只有我", members=[])


def test_a_message_notifies_the_other_members_once_each(scoped):
    w = scoped
    group = services.group_create(actor=w.manager, name="周会", members=[w.rep_a, w.rep_b])
    message = services.message_send(actor=w.manager, conversation=group, body="周五开会")
    rows = Notification.objects.filter(kind="message").order_by("recipient_id")
    assert {n.recipient_id for n in rows} == {w.rep_a.pk, w.rep_b.pk}
    first = rows[0]
    assert first.event_key == f"message:{message.pk}"
    assert first.link == f"/messages/{group.pk}/"
    assert "周五开会" in first.body and "王经理" in first.title
    direct = services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="在吗")
    note = Notification.objects.get(kind="message", event_key=f"message:{direct.pk}")
    assert note.recipient_id == w.rep_b.pk and note.title == "张三给你发了消息"


def test_a_message_may_name_a_record_the_sender_sees(scoped):
    from guanxi.customers import services as customer_services

    w = scoped
    mine = customer_services.customer_create(actor=w.rep_a, name="宁波港务")
    theirs = customer_services.customer_create(actor=w.rep_b, name="天津港")
    message = services.message_send_to(
        actor=w.rep_a, recipient=w.rep_b, body="看看这个", target=("customer", mine.pk)
    )
    assert (message.target_type, message.target_id) == ("customer", mine.pk)
    with pytest.raises(ValidationError):
        services.message_send_to(
            actor=w.rep_a, recipient=w.rep_b, body="偷看", target=("customer", theirs.pk)
        )
    with pytest.raises(ValidationError):
        services.message_send_to(actor=w.rep_a, recipient=w.rep_b, body="?", target=("nope", 1))


def test_inbox_reads_are_constant_in_queries(scoped):
    w = scoped

    def inbox():
        return [
            (selectors.title(c, w.rep_a), c.unread, c.last_message and c.last_message.sender)
            for c in selectors.with_members(selectors.conversation_queryset(employee=w.rep_a))[:20]
        ]

    services.message_send_to(actor=w.rep_b, recipient=w.rep_a, body="一")
    with CaptureQueriesContext(connection) as one:
        inbox()
    for person in (w.manager, w.agent, w.readonly, w.admin):
        services.message_send_to(actor=person, recipient=w.rep_a, body="二")
    with CaptureQueriesContext(connection) as many:
        rows = inbox()
    assert len(rows) == 5
    assert len(many.captured_queries) == len(one.captured_queries) == 2
