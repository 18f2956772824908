"""Files that come and go with the conversation: an agent's reply may carry files (the
ticket page and the API), each shown under its message; a refused file refuses the
whole reply and writes nothing; a read-only employee cannot reply with files; the
detail page's query budget does not grow with the files; the system attaches a
mail's file without an actor, under the same limits."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.tenancy import org_scope
from guanxi.service.tickets import services
from guanxi.service.tickets.models import TicketAttachment, TicketMessage
from guanxi.service.tickets.tests import helpers as t

pytestmark = pytest.mark.django_db


def _upload(name="报价单.pdf", data=b"%PDF quote"):
    return SimpleUploadedFile(name, data)


def _files(world, **filters):
    with org_scope(world.org):
        return list(TicketAttachment.objects.filter(**filters).order_by("id"))


def test_a_reply_from_the_page_carries_its_files(world, web):
    ticket = t.ticket(world)
    client = web(world.agent)
    response = client.post(
        f"/tickets/{ticket.pk}/reply/",
        {"body": "报价单见附件", "public": "on", "files": [_upload(), _upload("图.png", b"png")]},
    )
    assert response.status_code == 302
    with org_scope(world.org):
        message = TicketMessage.objects.get(ticket=ticket, kind="reply")
    files = _files(world, message=message)
    assert sorted(f.original_name for f in files) == ["图.png", "报价单.pdf"]
    assert all(f.uploaded_by == world.agent for f in files)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert page.count('data-testid="message-files"') == 1 and "报价单.pdf" in page


def test_a_refused_file_refuses_the_reply_from_the_page(world, web):
    ticket = t.ticket(world)
    client = web(world.agent)
    response = client.post(
        f"/tickets/{ticket.pk}/reply/",
        {"body": "见附件", "public": "on", "files": [_upload(), _upload("x.exe", b"MZ")]},
        follow=True,
    )
    assert response.status_code == 200 and "x.exe" in response.content.decode()
    with org_scope(world.org):
        assert not TicketMessage.objects.filter(ticket=ticket, kind="reply").exists()
    assert not _files(world)


def test_too_many_files_are_refused(world):
    ticket = t.ticket(world)
    uploads = [_upload(f"{n}.pdf") for n in range(services.MAX_REPLY_FILES + 1)]
    with org_scope(world.org), pytest.raises(ValidationError) as raised:
        services.ticket_reply(actor=world.agent, ticket=ticket, body="x", files=uploads)
    assert "files" in raised.value.message_dict
    assert not _files(world)


def test_the_api_takes_files_with_a_reply_and_lists_their_message(world, api):
    ticket = t.ticket(world)
    client = api(world.agent)
    made = client.post(
        f"/api/v1/tickets/{ticket.pk}/replies",
        {"body": "见附件", "public": True, "files": [_upload()]},
        format="multipart",
    )
    assert made.status_code == 201, made.content
    listing = client.get(f"/api/v1/tickets/{ticket.pk}/attachments").json()
    assert [(f["original_name"], f["message"]) for f in listing["items"]] == [
        ("报价单.pdf", made.json()["id"])
    ]
    refused = client.post(
        f"/api/v1/tickets/{ticket.pk}/replies",
        {"body": "见附件", "files": [_upload("x.exe", b"MZ")]},
        format="multipart",
    )
    assert refused.status_code == 400 and "files" in refused.json()["fields"]
    assert len(_files(world)) == 1


def test_read_only_and_other_org_cannot_reply_with_files(world, other_world, api):
    ticket = t.ticket(world)
    denied = api(world.readonly).post(
        f"/api/v1/tickets/{ticket.pk}/replies",
        {"body": "x", "files": [_upload()]},
        format="multipart",
    )
    assert denied.status_code in (403, 404)
    foreign = api(other_world.admin).post(
        f"/api/v1/tickets/{ticket.pk}/replies",
        {"body": "x", "files": [_upload()]},
        format="multipart",
    )
    assert foreign.status_code == 404
    assert not _files(world)
    with org_scope(world.org):
        assert not TicketMessage.objects.filter(ticket=ticket).exists()


def test_the_detail_budget_does_not_grow_with_files(world, web, django_assert_max_num_queries):
    ticket = t.ticket(world)
    client = web(world.agent)
    with org_scope(world.org):
        services.ticket_reply(actor=world.agent, ticket=ticket, body="一", files=[_upload()])
    client.get(f"/tickets/{ticket.pk}/")
    with django_assert_max_num_queries(30) as few:
        client.get(f"/tickets/{ticket.pk}/")
    with org_scope(world.org):
        for n in range(4):
            services.ticket_reply(
                actor=world.agent, ticket=ticket, body=f"回复{n}", files=[_upload(f"{n}.pdf")]
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert page.count('data-testid="message-files"') == 5


def test_the_system_attaches_a_file_under_the_same_limits(world):
    ticket = t.ticket(world)
    with org_scope(world.org):
        made = services.ticket_attachment_receive(ticket=ticket, name="a/../照片.jpg", content=b"j")
        assert made.original_name == "照片.jpg" and made.uploaded_by is None
        with pytest.raises(ValidationError):
            services.ticket_attachment_receive(ticket=ticket, name="x.exe", content=b"MZ")
        with pytest.raises(ValidationError):
            services.ticket_attachment_receive(ticket=ticket, name="空.pdf", content=b"")
        note = services.ticket_system_note(ticket=ticket, body="附件未保存")
        assert note.kind == "note" and note.author_id is None
    assert len(_files(world)) == 1
