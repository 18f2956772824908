"""Receiving mail, against a real IMAP server (Dovecot): new mails open tickets,
replies join them, loops and bad mails are set aside, and a poll never handles one
mail twice."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import InboundMail, Mailbox, OutboundMail
from guanxi.service.mail.tests import helpers as h
from guanxi.service.tickets.models import Ticket, TicketMessage
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db

S = InboundMail.Status


def _inbound(world):
    with org_scope(world.org):
        return list(InboundMail.objects.order_by("id"))


def _tickets(world):
    with org_scope(world.org):
        return list(Ticket.objects.order_by("id"))


def test_new_mail_from_a_contact_opens_one_ticket(world, imap_server):
    """A known contact's mail opens an e-mail ticket for the contact's customer; the
    second poll finds nothing new and creates nothing."""
    client, person = h.customer_with_contact(world, email="Li.Lei@HuaGuang.example")
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain(subject="打印机无法开机", body="您好，设备坏了，请派人维修。"))

    result = h.poll(world, box)
    assert result.status == "ok"
    tickets = _tickets(world)
    assert len(tickets) == 1
    ticket = tickets[0]
    assert ticket.customer_id == client.pk and ticket.contact_id == person.pk
    assert ticket.channel == "email" and ticket.category == "consultation"
    assert ticket.subject == "打印机无法开机"
    assert "设备坏了" in ticket.description
    [mail] = _inbound(world)
    assert mail.status == S.TICKET_CREATED and mail.ticket_id == ticket.pk
    assert mail.raw is None  # handled: the raw message is not kept

    again = h.poll(world, box)
    assert again.status == "ok" and again.counts == {}
    assert len(_tickets(world)) == 1 and len(_inbound(world)) == 1


def test_a_rerun_after_losing_the_last_uid_creates_no_duplicate(world, imap_server):
    """Even when the poll's progress is lost (a crash before the mailbox row was
    saved), the Message-ID recognises the mail: still one ticket."""
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(last_uid=0)
    result = h.poll(world, box)
    assert result.counts == {"duplicate": 1}
    assert len(_tickets(world)) == 1 and len(_inbound(world)) == 1


def test_a_new_uidvalidity_starts_over_without_duplicates(world, imap_server):
    """The server rebuilt the folder (another UIDVALIDITY): the poller reads it from the
    start, and the mails it had already handled stay handled once."""
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(uid_validity=1, last_uid=99)
    imap_server.deliver(h.plain(subject="第二封"))
    result = h.poll(world, box)
    assert result.counts == {"duplicate": 1, "ticket_created": 1}
    assert [t.subject for t in _tickets(world)] == ["打印机无法开机", "第二封"]


def test_a_mail_without_message_id_is_handled_once(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain(msgid=False))
    h.poll(world, box)
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(last_uid=0, uid_validity=None)
    h.poll(world, box)
    assert len(_tickets(world)) == 1
    [mail] = _inbound(world)
    assert mail.message_id == "" and mail.dedupe_key.startswith("sha256:")


def _reply_to(ticket_code, *, subject=None, **kwargs):
    return h.plain(subject=subject or f"Re: 打印机无法开机 [{ticket_code}]", **kwargs)


def test_a_reply_with_the_ticket_code_in_the_subject_joins_the_ticket(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    [ticket] = _tickets(world)

    imap_server.deliver(_reply_to(ticket.code, body="补充：型号是 HP-1020。"))
    h.poll(world, box)
    assert len(_tickets(world)) == 1
    with org_scope(world.org):
        messages = list(TicketMessage.objects.filter(ticket=ticket))
    assert [m.kind for m in messages] == ["customer"]
    assert "HP-1020" in messages[0].body
    assert messages[0].from_address == "li.lei@huaguang.example"
    assert _inbound(world)[-1].status == S.APPENDED


def test_the_code_in_the_subject_from_a_stranger_does_not_join(world, imap_server):
    """A ticket code is easy to guess: from someone not of the ticket's customer it
    does not reach the ticket (the mail waits in the unmatched list)."""
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    [ticket] = _tickets(world)
    imap_server.deliver(_reply_to(ticket.code, sender="someone@elsewhere.example"))
    h.poll(world, box)
    with org_scope(world.org):
        assert not TicketMessage.objects.filter(ticket=ticket).exists()
    assert _inbound(world)[-1].status == S.UNMATCHED


def test_a_reply_to_our_mail_by_in_reply_to_joins_the_ticket(
    world, imap_server, smtp_server, django_capture_on_commit_callbacks
):
    """The customer answers the agent's e-mail without the code in the subject: the
    In-Reply-To names our Message-ID, which finds the ticket."""
    from guanxi.service.tickets import services as tickets

    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server, smtp=smtp_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    [ticket] = _tickets(world)
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        reply = tickets.ticket_reply(actor=world.admin, ticket=ticket, body="请提供型号。")
        services.on_agent_reply(message=reply)
    with org_scope(world.org):
        outbound = OutboundMail.objects.get(ticket_message=reply)
    assert outbound.status == OutboundMail.Status.SENT

    imap_server.deliver(
        h.plain(
            subject="答复: 型号",
            body="型号是 M1136。",
            headers={"In-Reply-To": outbound.message_id},
        )
    )
    h.poll(world, box)
    with org_scope(world.org):
        kinds = list(TicketMessage.objects.filter(ticket=ticket).values_list("kind", "body"))
    assert kinds[-1] == ("customer", "型号是 M1136。")
    assert len(_tickets(world)) == 1


def test_a_reply_to_a_closed_ticket_opens_a_new_one_that_names_it(world, imap_server):
    from guanxi.service.tickets import services as tickets

    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    [old] = _tickets(world)
    with org_scope(world.org):
        tickets.ticket_transition(
            actor=world.admin, ticket=old, status="resolved", resolution="已更换"
        )
        tickets.ticket_transition(actor=world.admin, ticket=old, status="closed")
    imap_server.deliver(_reply_to(old.code, body="又坏了。"))
    h.poll(world, box)
    old_after, new = _tickets(world)
    assert old_after.status == "closed"
    assert old.code in new.description and "又坏了" in new.description
    mail = _inbound(world)[-1]
    assert mail.status == S.TICKET_CREATED and mail.ticket_id == new.pk
    assert old.code in mail.detail


def test_an_unknown_sender_waits_unmatched_until_an_agent_makes_the_ticket(world, imap_server):
    client, person = h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain(sender="新客户 <new@unknown.example>", body="想了解价格。"))
    h.poll(world, box)
    assert _tickets(world) == []
    [mail] = _inbound(world)
    assert mail.status == S.UNMATCHED and mail.body_text == "想了解价格。"
    assert mail.raw  # kept until someone handles it

    with org_scope(world.org):
        handled = services.inbound_create_ticket(
            actor=world.agent, inbound=mail, customer=client.pk, contact=person.pk
        )
    [ticket] = _tickets(world)
    assert handled.status == S.TICKET_CREATED and handled.ticket_id == ticket.pk
    assert handled.handled_by_id == world.agent.pk and handled.raw is None
    assert ticket.customer_id == client.pk and ticket.created_by_id == world.agent.pk
    assert "想了解价格" in ticket.description and ticket.channel == "email"

    with org_scope(world.org), pytest.raises(services.BusinessRuleError) as refused:
        services.inbound_create_ticket(actor=world.agent, inbound=mail, customer=client.pk)
    assert refused.value.code == "mail_already_handled"
    assert len(_tickets(world)) == 1


def test_creating_the_ticket_refuses_a_contact_of_another_customer(world, imap_server):
    client, _person = h.customer_with_contact(world)
    _other, stranger = h.customer_with_contact(
        world, name="别的公司", contact="王五", email="w@other.example"
    )
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain(sender="x@unknown.example"))
    h.poll(world, box)
    [mail] = _inbound(world)
    with org_scope(world.org), pytest.raises(services.ValidationError) as refused:
        services.inbound_create_ticket(
            actor=world.agent, inbound=mail, customer=client.pk, contact=stranger.pk
        )
    assert "contact" in refused.value.message_dict
    assert _tickets(world) == [] and _inbound(world)[0].status == S.UNMATCHED


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("li.lei@huaguang.example", {"Auto-Submitted": "auto-replied"}),
        ("li.lei@huaguang.example", {"X-Autoreply": "yes"}),
        ("li.lei@huaguang.example", {"Precedence": "bulk"}),
        ("MAILER-DAEMON@mx.huaguang.example", {}),
        (h.SERVICE_ADDRESS, {}),
    ],
    ids=["auto-submitted", "x-autoreply", "precedence", "bounce", "own-address"],
)
def test_auto_replies_and_bounces_are_ignored(world, imap_server, sender, headers):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain(sender=sender, subject="自动回复：我不在办公室", headers=headers))
    h.poll(world, box)
    assert _tickets(world) == []
    [mail] = _inbound(world)
    assert mail.status == S.IGNORED_LOOP and mail.detail


def test_a_sender_writing_too_often_is_taken_for_a_loop(world, imap_server, monkeypatch):
    h.customer_with_contact(world)
    monkeypatch.setattr(services, "SENDER_RATE_CAP", 2)
    box = h.mailbox(world, imap=imap_server)
    for n in range(4):
        imap_server.deliver(h.plain(subject=f"第 {n} 封"))
    h.poll(world, box)
    statuses = [m.status for m in _inbound(world)]
    assert statuses == [S.TICKET_CREATED] * 2 + [S.IGNORED_LOOP] * 2


def test_a_huge_mail_is_refused_without_being_downloaded(world, imap_server, monkeypatch):
    h.customer_with_contact(world)
    monkeypatch.setattr(services, "MAX_SIZE", 50_000)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.with_attachment(size=80_000))
    imap_server.deliver(h.plain(subject="正常邮件"))
    result = h.poll(world, box)
    assert result.counts == {"rejected_too_large": 1, "ticket_created": 1}
    big, normal = _inbound(world)
    assert big.status == S.REJECTED_TOO_LARGE and big.size > 50_000 and big.raw is None
    assert big.subject == "附件" and big.from_address == "li.lei@huaguang.example"
    assert normal.status == S.TICKET_CREATED


def test_a_malformed_mail_is_logged_and_the_next_one_still_handled(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(b"this is not an e-mail\r\nat all\r\n")
    imap_server.deliver(b"Subject: no sender\r\nMessage-ID: <broken@x>\r\n\r\nbody\r\n")
    imap_server.deliver(h.plain(subject="正常邮件"))
    result = h.poll(world, box)
    assert result.status == "ok"
    first, second, third = _inbound(world)
    assert first.status == S.FAILED and first.detail and first.raw
    assert second.status == S.FAILED and "From" in second.detail
    assert third.status == S.TICKET_CREATED
    assert len(_tickets(world)) == 1


def test_a_failure_inside_the_ticket_service_is_recorded_and_rolled_back(
    world, imap_server, monkeypatch
):
    """Whatever goes wrong while handling a mail, nothing half-written stays (no
    ticket), the mail is logged failed with the error, and the poll goes on."""
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain(subject="第一封"))
    imap_server.deliver(h.plain(subject="第二封"))
    calls = []
    real = services._open_ticket

    def flaky(**kwargs):
        calls.append(kwargs["subject"])
        if len(calls) == 1:
            real(**kwargs)  # the ticket is written… then the handling fails
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "_open_ticket", flaky)
    h.poll(world, box)
    assert [t.subject for t in _tickets(world)] == ["第二封"]
    first, second = _inbound(world)
    assert first.status == S.FAILED and "disk full" in first.detail and first.raw
    assert second.status == S.TICKET_CREATED


def test_gbk_subject_and_gb2312_body_are_decoded(world, imap_server):
    h.customer_with_contact(world, contact="韩梅梅", email="han@huaguang.example")
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.gbk(subject="发票开错了（急）", body="请重新开具增值税专用发票。"))
    h.poll(world, box)
    [ticket] = _tickets(world)
    assert ticket.subject == "发票开错了（急）"
    assert ticket.description == "请重新开具增值税专用发票。"
    [mail] = _inbound(world)
    assert mail.from_name == "韩梅梅"


def test_an_html_only_mail_becomes_text(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.html_only(markup="<p>第一段</p><p>第二段&amp;更多</p>"))
    h.poll(world, box)
    [ticket] = _tickets(world)
    assert "<p>" not in ticket.description
    assert "第一段" in ticket.description and "第二段&更多" in ticket.description


def test_attachments_are_listed_on_the_mail(world, imap_server):
    """Each attachment is listed with what became of it (a ``.bin`` file is not a type
    tickets take: see test_attachments for the files that are kept)."""
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.with_attachment(size=1234))
    h.poll(world, box)
    [mail] = _inbound(world)
    [item] = mail.attachments
    assert item["name"] == "故障照片.bin" and item["size"] == 1234
    assert item["content_type"] == "application/octet-stream"
    assert item["saved"] is False and "不支持该文件类型" in item["reason"]
    assert "故障照片.bin" in mail.detail


# ---- the server being down ------------------------------------------------------------


def test_imap_down_is_recorded_retried_later_notified_and_recovered(world, imap_server):
    """A closed port: the failure is recorded with a growing wait; from the third
    failure in a row the setup people get one notification; when the server answers
    again the mailbox recovers and they are told."""
    h.customer_with_contact(world)
    good_port = imap_server.port
    box = h.mailbox(world, imap=imap_server)
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(imap_port=h.servers.free_port())

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        first = h.poll(world, box)
        assert first.status == "failed" and first.error
        box = h.reset_mailbox(world)
        assert box.consecutive_failures == 1 and box.last_error
        assert box.next_attempt_at == start + datetime.timedelta(minutes=1)

        assert h.poll(world, box).status == "waiting"  # not before the next attempt
        for expected_wait in (2, 4):
            clock.move_to(box.next_attempt_at)
            assert h.poll(world, box).status == "failed"
            box = h.reset_mailbox(world)
            assert box.next_attempt_at == timezone.now() + datetime.timedelta(minutes=expected_wait)
        assert box.consecutive_failures == 3
        with org_scope(world.org):
            alerts = list(Notification.objects.filter(kind="mailbox_failure"))
        assert {n.recipient_id for n in alerts} == {world.admin.pk}
        assert len(alerts) == 1

        clock.move_to(box.next_attempt_at)
        h.poll(world, box)  # a fourth failure: no second notification
        with org_scope(world.org):
            assert Notification.objects.filter(kind="mailbox_failure").count() == 1
            Mailbox.objects.filter(pk=box.pk).update(imap_port=good_port)
        box = h.reset_mailbox(world)
        clock.move_to(box.next_attempt_at)
        assert h.poll(world, box).status == "ok"
    box = h.reset_mailbox(world)
    assert box.consecutive_failures == 0 and box.last_error == "" and box.next_attempt_at is None
    with org_scope(world.org):
        titles = list(
            Notification.objects.filter(kind="mailbox_failure")
            .order_by("id")
            .values_list("title", flat=True)
        )
    assert len(titles) == 2 and "恢复" in titles[1]


def test_the_wait_between_attempts_stops_growing_at_thirty_minutes():
    waits = [services._backoff(n).total_seconds() / 60 for n in range(1, 9)]
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_wrong_password_is_a_recorded_failure(world, imap_server):
    box = h.mailbox(world, imap=imap_server, imap_password="wrong")
    result = h.poll(world, box)
    assert result.status == "failed"
    assert "AUTHENTICATIONFAILED" in result.error or "failed" in result.error.lower()
    assert h.reset_mailbox(world).consecutive_failures == 1


def test_an_inactive_mailbox_is_not_polled_but_poll_now_forces_it(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server, active=False)
    imap_server.deliver(h.plain())
    assert h.poll(world, box).status == "inactive"
    assert h.poll(world, box, force=True).status == "ok"
    assert len(_tickets(world)) == 1


def test_a_poll_already_running_is_not_doubled(world, imap_server):
    box = h.mailbox(world, imap=imap_server)
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(
            polling_until=timezone.now() + datetime.timedelta(minutes=5)
        )
    assert h.poll(world, box).status == "busy"


def test_the_minute_job_polls_every_active_mailbox(world, other_world, imap_server):
    from guanxi.service.mail import tasks

    h.customer_with_contact(world)
    h.mailbox(world, imap=imap_server)
    h.mailbox(other_world, active=True)  # unreachable: fails without affecting org A
    imap_server.deliver(h.plain())
    results = tasks.mailboxes_poll.call_local()
    assert sorted(r["status"] for r in results.values()) == ["failed", "ok"]
    assert len(_tickets(world)) == 1
