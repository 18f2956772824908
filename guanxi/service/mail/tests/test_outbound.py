"""Agents' replies going out by SMTP (a real aiosmtpd server): subject with the ticket
code, threading headers, retries when the server refuses."""

import datetime
import email
import email.policy

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import OutboundMail
from guanxi.service.mail.tests import helpers as h
from guanxi.service.tickets import services as tickets
from guanxi.service.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def run_on_commit():
    return TestCase.captureOnCommitCallbacks(execute=True)


def _mail_ticket(world, imap_server, smtp_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server, smtp=smtp_server)
    first_id = h.message_id()
    imap_server.deliver(h.plain(subject="打印机无法开机", msgid=first_id))
    h.poll(world, box)
    with org_scope(world.org):
        return box, Ticket.objects.get(), first_id


def _reply(world, ticket, body="您好，工程师明天上门。", public=True):
    """An agent's reply, as the tickets app makes it: ``on_agent_reply`` once the reply
    committed, and the send job it queues run then too (the test's commit)."""
    with org_scope(world.org), run_on_commit():
        message = tickets.ticket_reply(actor=world.admin, ticket=ticket, body=body, public=public)
        transaction.on_commit(lambda: services.on_agent_reply(message=message))
    with org_scope(world.org):
        return message, OutboundMail.objects.filter(ticket_message=message).first()


def test_an_agent_reply_goes_out_with_the_code_and_threading_headers(
    world, imap_server, smtp_server
):
    _box, ticket, first_id = _mail_ticket(world, imap_server, smtp_server)
    _message, outbound = _reply(world, ticket, body="您好，\n工程师明天上门。")

    assert outbound.status == OutboundMail.Status.SENT and outbound.attempts == 1
    [(mail_from, rcpt, raw)] = smtp_server.wait_for(1)
    assert mail_from == h.SERVICE_ADDRESS and rcpt == ["li.lei@huaguang.example"]
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert sent["Subject"] == f"Re: 打印机无法开机 [{ticket.code}]"
    assert sent["Message-ID"] == outbound.message_id
    assert outbound.message_id.endswith("@alpha.example>")
    assert sent["In-Reply-To"] == first_id
    assert first_id in sent["References"]
    assert "Auto-Submitted" not in sent
    assert sent["From"].addresses[0].display_name == "阿尔法客服"
    text = sent.get_body(("plain",)).get_content()
    assert "工程师明天上门" in text
    markup = sent.get_body(("html",)).get_content()
    assert "<br>" in markup and "工程师明天上门" in markup


def test_internal_notes_are_not_sent(world, imap_server, smtp_server):
    _box, ticket, _first = _mail_ticket(world, imap_server, smtp_server)
    _message, outbound = _reply(world, ticket, body="内部：先查库存", public=False)
    assert outbound is None and smtp_server.received == []


def test_a_phone_ticket_with_a_contact_email_is_answered_by_mail(world, smtp_server):
    """The rule: a reply goes by mail when the ticket came by mail, or its contact has
    an e-mail address — and the org has an active mailbox that can send."""
    client, person = h.customer_with_contact(world)
    h.mailbox(world, smtp=smtp_server)
    with org_scope(world.org):
        ticket = tickets.ticket_create(
            actor=world.admin,
            customer=client,
            contact=person,
            subject="电话报修",
            category="consultation",
            channel="phone",
        )
    _message, outbound = _reply(world, ticket)
    assert outbound.to_address == "li.lei@huaguang.example"
    assert outbound.in_reply_to == "" and outbound.status == OutboundMail.Status.SENT
    assert len(smtp_server.wait_for(1)) == 1


def test_no_mailbox_or_no_address_means_no_mail(world, smtp_server):
    client, _person = h.customer_with_contact(world)
    with org_scope(world.org):
        ticket = tickets.ticket_create(
            actor=world.admin, customer=client, subject="无联系人", category="consultation"
        )
    _message, outbound = _reply(world, ticket)
    assert outbound is None  # no mailbox
    h.mailbox(world, smtp=smtp_server)
    _message, outbound = _reply(world, ticket)
    assert outbound is None  # no address to answer
    assert smtp_server.received == []


def test_a_refused_send_is_retried_with_a_growing_wait_then_fails(world, imap_server, smtp_server):
    _box, ticket, _first = _mail_ticket(world, imap_server, smtp_server)
    smtp_server.refuse = True
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _message, outbound = _reply(world, ticket)
        assert outbound.status == OutboundMail.Status.QUEUED
        assert outbound.attempts == 1 and "451" in outbound.last_error
        assert outbound.next_attempt_at == start + datetime.timedelta(minutes=1)
        with org_scope(world.org):
            assert services.outbound_send_due() == 0  # not due yet
        for attempt in range(2, services.MAX_SEND_ATTEMPTS + 1):
            clock.move_to(outbound.next_attempt_at)
            with org_scope(world.org):
                assert services.outbound_send_due() == 1
                outbound.refresh_from_db()
            assert outbound.attempts == attempt
    assert outbound.status == OutboundMail.Status.FAILED and outbound.next_attempt_at is None

    smtp_server.refuse = False
    with org_scope(world.org), run_on_commit():
        services.outbound_retry(actor=world.admin, outbound=outbound)
    with org_scope(world.org):
        outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.SENT
    assert len(smtp_server.wait_for(1)) == 1


def test_a_retry_after_a_temporary_failure_succeeds(world, imap_server, smtp_server):
    _box, ticket, _first = _mail_ticket(world, imap_server, smtp_server)
    smtp_server.refuse = True
    _message, outbound = _reply(world, ticket)
    smtp_server.refuse = False
    with time_machine.travel(outbound.next_attempt_at, tick=False), org_scope(world.org):
        from guanxi.service.mail import tasks

        tasks.outbound_send_due.call_local()
        outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.SENT and outbound.attempts == 2
    assert len(smtp_server.wait_for(1)) == 1


def test_a_sent_mail_is_not_sent_twice(world, imap_server, smtp_server):
    _box, ticket, _first = _mail_ticket(world, imap_server, smtp_server)
    message, outbound = _reply(world, ticket)
    with org_scope(world.org), run_on_commit():
        again = services.on_agent_reply(message=message)
        services.outbound_send(outbound=outbound)
    assert again.pk == outbound.pk
    assert len(smtp_server.wait_for(1)) == 1
    assert len(smtp_server.received) == 1


def test_the_customers_answer_to_the_reply_threads_back(world, imap_server, smtp_server):
    _box, ticket, _first = _mail_ticket(world, imap_server, smtp_server)
    _message, _outbound = _reply(world, ticket)
    [(_f, _r, raw)] = smtp_server.wait_for(1)
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    answer = h.plain(
        subject=f"Re: {sent['Subject']}",
        body="好的，谢谢。",
        headers={"In-Reply-To": sent["Message-ID"], "References": sent["References"]},
    )
    imap_server.deliver(answer)
    box = h.reset_mailbox(world)
    h.poll(world, box)
    with org_scope(world.org):
        assert Ticket.objects.count() == 1
        assert ticket.messages.filter(kind="customer").last().body == "好的，谢谢。"


def test_the_test_connection_reports_both_servers(world, imap_server, smtp_server):
    box = h.mailbox(world, imap=imap_server, smtp=smtp_server)
    with org_scope(world.org):
        check = services.mailbox_test_connection(actor=world.admin, mailbox=box)
    assert check.ok and check.imap_ok and check.smtp_ok
    assert "INBOX" in check.imap_message
    box.imap_password = "wrong"
    box.smtp_port = h.servers.free_port()
    with org_scope(world.org):
        check = services.mailbox_test_connection(actor=world.admin, mailbox=box)
    assert not check.ok and not check.imap_ok and check.smtp_ok is False
    assert "IMAP" in check.imap_message and "SMTP" in check.smtp_message


def test_the_test_connection_needs_setup_rights(world):
    box = h.mailbox(world)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.mailbox_test_connection(actor=world.agent, mailbox=box)
