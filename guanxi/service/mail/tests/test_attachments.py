"""Attachments of received mail become the ticket's files (a real Dovecot): decoded
Chinese names, inline images counted, the HTML body not; what is too big, of a type
not allowed or past the per-mail count is skipped and named in an internal note; a
re-poll never duplicates them and a mail that fails leaves no file behind. An agent's
reply sends its files (a real SMTP server)."""

import base64
import email
import email.policy
import email.utils
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase

from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import InboundMail, Mailbox, OutboundMail
from guanxi.service.mail.tests import helpers as h
from guanxi.service.tickets import services as tickets
from guanxi.service.tickets.models import Ticket, TicketAttachment, TicketMessage
from guanxi.workspace import services as workspace_services

pytestmark = pytest.mark.django_db

S = InboundMail.Status
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _mail(*, subject="设备故障照片", files=(), inline=(), html=True, msgid=None, **headers):
    """A mail with a text and an HTML body, ``files`` attached (name, bytes) and
    ``inline`` images (name, bytes) inside the HTML part."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = "李雷 <li.lei@huaguang.example>"
    message["To"] = h.SERVICE_ADDRESS
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = msgid or h.message_id()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("您好，照片见附件。")
    if html:
        message.add_alternative("<p>您好，照片见附件。</p>", subtype="html")
    if inline:
        html_part = message.get_payload()[-1]
        for name, data in inline:
            html_part.add_related(data, maintype="image", subtype="png", cid="<img1@x>",
                                  filename=name, disposition="inline")  # fmt: skip
    for name, data in files:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def _gbk_named(name, data):
    """A mail as older Chinese clients write it: the file name as a GBK encoded word
    inside the quotes."""
    encoded = Header(name, "gbk").encode()
    return (
        b"From: li.lei@huaguang.example\r\nTo: " + h.SERVICE_ADDRESS.encode() + b"\r\n"
        b"Subject: =?GBK?B?" + base64.b64encode("发票".encode("gbk")) + b"?=\r\n"
        b"Message-ID: " + h.message_id().encode() + b"\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B1"\r\n\r\n'
        b"--B1\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n" + "见附件".encode("gbk") +
        b"\r\n--B1\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="' + encoded.encode() + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(data) + b"\r\n--B1--\r\n"
    )  # fmt: skip


def _files(world, **filters):
    with org_scope(world.org):
        return list(TicketAttachment.objects.filter(**filters).order_by("id"))


def _notes(world):
    with org_scope(world.org):
        return list(TicketMessage.objects.filter(kind="note").values_list("body", flat=True))


def _inbound(world):
    with org_scope(world.org):
        return list(InboundMail.objects.order_by("id"))


def test_a_new_mail_s_files_and_inline_image_become_the_ticket_s_files(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(
        _mail(
            files=[("故障照片 2026.pdf", b"%PDF-1.4 x"), ("日志.txt", b"E3 at 08:00")],
            inline=[("截图.png", PNG)],
        )
    )
    assert h.poll(world, box).counts == {"ticket_created": 1}
    with org_scope(world.org):
        ticket = Ticket.objects.get()
    files = _files(world, ticket=ticket)
    assert {f.original_name for f in files} == {"故障照片 2026.pdf", "截图.png", "日志.txt"}
    assert all(f.uploaded_by is None and f.message_id is None for f in files)
    pdf = next(f for f in files if f.original_name.endswith(".pdf"))
    with pdf.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 x"
    assert pdf.content_type == "application/pdf" and pdf.size == 10
    assert "故障" not in pdf.file.name  # the stored path never carries the sender's name
    [mail] = _inbound(world)
    assert [a["saved"] for a in mail.attachments] == [True, True, True]
    assert "已保存 3 个附件" in mail.detail
    assert not _notes(world)


def test_a_reply_s_files_join_the_customer_message(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    first = h.message_id()
    imap_server.deliver(h.plain(msgid=first))
    h.poll(world, box)
    imap_server.deliver(
        _mail(subject="Re: 打印机无法开机", files=[("照片.jpg", PNG)], In_Reply_To=first)
    )
    assert h.poll(world, box).counts == {"appended": 1}
    with org_scope(world.org):
        message = TicketMessage.objects.get(kind="customer")
    [file] = _files(world)
    assert file.message_id == message.pk and file.original_name == "照片.jpg"


def test_refused_files_are_skipped_and_named_in_an_internal_note(
    world, imap_server, monkeypatch, web
):
    h.customer_with_contact(world)
    monkeypatch.setattr(workspace_services, "MAX_UPLOAD_BYTES", 2000)
    monkeypatch.setattr(services, "MAX_ATTACHMENTS", 2)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(
        _mail(
            files=[
                ("病毒.exe", b"MZ" * 10),
                ("大照片.jpg", b"x" * 3000),
                ("a.pdf", b"%PDF a"),
                ("b.pdf", b"%PDF b"),
                ("c.pdf", b"%PDF c"),
            ]
        )
    )
    assert h.poll(world, box).counts == {"ticket_created": 1}
    assert [f.original_name for f in _files(world)] == ["a.pdf", "b.pdf"]
    [note] = _notes(world)
    assert "病毒.exe" in note and "不支持该文件类型" in note
    assert "大照片.jpg" in note and "不能超过" in note
    assert "c.pdf" in note and "上限" in note
    [mail] = _inbound(world)
    assert [a["saved"] for a in mail.attachments] == [False, False, True, True, False]
    assert "病毒.exe" in mail.detail
    page = web(world.admin).get(f"/service/mail/inbound/{mail.pk}/").content.decode()
    assert page.count('data-testid="inbound-attachment"') == 5
    assert page.count("未保存") >= 3


def test_names_are_decoded_and_cleaned(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(_gbk_named("增值税发票.pdf", b"%PDF gbk"))
    imap_server.deliver(_mail(files=[("../../etc/报告.txt", b"x"), (".隐藏.txt", b"y")]))
    h.poll(world, box)
    names = {f.original_name for f in _files(world)}
    assert names == {"增值税发票.pdf", "报告.txt", "隐藏.txt"}


def test_a_re_poll_never_duplicates_files(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(_mail(files=[("a.pdf", b"%PDF a")]))
    h.poll(world, box)
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(last_uid=0)
    assert h.poll(world, box).counts == {"duplicate": 1}
    assert len(_files(world)) == 1 and len(_inbound(world)) == 1


def test_a_mail_that_fails_half_way_leaves_no_ticket_and_no_file(world, imap_server, monkeypatch):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    real = tickets.ticket_attachment_receive
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(**kwargs)

    monkeypatch.setattr(tickets, "ticket_attachment_receive", second_fails)
    imap_server.deliver(_mail(files=[("a.pdf", b"%PDF a"), ("b.pdf", b"%PDF b")]))
    imap_server.deliver(h.plain(subject="下一封"))
    result = h.poll(world, box)
    assert result.status == "ok" and result.counts == {"failed": 1, "ticket_created": 1}
    failed, _ok = _inbound(world)
    assert failed.status == S.FAILED and failed.ticket_id is None and failed.raw
    assert not _files(world)
    with org_scope(world.org):
        assert list(Ticket.objects.values_list("subject", flat=True)) == ["下一封"]
    stored = Path(settings.MEDIA_ROOT)
    assert not [p for p in stored.rglob("*") if p.is_file()]  # the first file went again


def test_an_unmatched_mail_s_files_go_to_the_ticket_opened_for_it(world, imap_server):
    client, _person = h.customer_with_contact(world, email="someone@else.example")
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(_mail(files=[("合同扫描.pdf", b"%PDF c")]))
    h.poll(world, box)
    [mail] = _inbound(world)
    assert mail.status == S.UNMATCHED and not _files(world)
    with org_scope(world.org):
        done = services.inbound_create_ticket(actor=world.admin, inbound=mail, customer=client)
    [file] = _files(world)
    assert file.ticket_id == done.ticket_id and file.original_name == "合同扫描.pdf"
    assert done.raw is None and done.attachments[0]["saved"] is True


def test_an_unmatched_mail_cut_short_names_its_lost_files(world, imap_server):
    client, _person = h.customer_with_contact(world, email="someone@else.example")
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(_mail(files=[("合同扫描.pdf", b"%PDF c")]))
    h.poll(world, box)
    [mail] = _inbound(world)
    with org_scope(world.org):
        InboundMail.objects.filter(pk=mail.pk).update(raw=b"")
        mail.refresh_from_db()
        services.inbound_create_ticket(actor=world.admin, inbound=mail, customer=client)
    assert not _files(world)
    [note] = _notes(world)
    assert "合同扫描.pdf" in note


# ---- replies going out with files ----------------------------------------------------------


def test_an_agent_reply_sends_its_files(world, imap_server, smtp_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server, smtp=smtp_server)
    imap_server.deliver(h.plain())
    h.poll(world, box)
    with org_scope(world.org):
        ticket = Ticket.objects.get()
    uploads = [
        SimpleUploadedFile("维修报价单.pdf", b"%PDF quote"),
        SimpleUploadedFile("示意图.png", PNG),
    ]
    with org_scope(world.org), TestCase.captureOnCommitCallbacks(execute=True):
        message = tickets.ticket_reply(
            actor=world.admin, ticket=ticket, body="报价单见附件。", files=uploads
        )
        transaction.on_commit(lambda: services.on_agent_reply(message=message))
    with org_scope(world.org):
        outbound = OutboundMail.objects.get(ticket_message=message)
        assert TicketAttachment.objects.filter(message=message).count() == 2
    assert outbound.status == OutboundMail.Status.SENT
    [(_from, _rcpt, raw)] = smtp_server.wait_for(1)
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    parts = {p.get_filename(): p.get_content() for p in sent.iter_attachments()}
    assert parts == {"维修报价单.pdf": b"%PDF quote", "示意图.png": PNG}
    assert "报价单见附件" in sent.get_body(("plain",)).get_content()


def test_a_reply_with_a_refused_file_writes_nothing(world):
    from guanxi.service.tickets.tests import helpers as th

    ticket = th.ticket(world)
    with org_scope(world.org), pytest.raises(ValidationError) as raised:
        tickets.ticket_reply(
            actor=world.admin,
            ticket=ticket,
            body="见附件",
            files=[SimpleUploadedFile("ok.pdf", b"%PDF"), SimpleUploadedFile("x.exe", b"MZ")],
        )
    assert "x.exe" in str(raised.value.message_dict["files"])
    with org_scope(world.org):
        assert not TicketMessage.objects.filter(ticket=ticket, kind="reply").exists()
        assert not TicketAttachment.objects.exists()
