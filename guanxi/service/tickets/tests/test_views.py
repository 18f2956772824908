"""Ticket screens: list filters and quick views with their query budget, the detail page
and its actions, the form, the customer card, the call-centre screen, and the customer's
public survey page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.tenancy import org_scope
from guanxi.service.tickets import services
from guanxi.service.tickets.models import Ticket
from guanxi.service.tickets.tests import helpers as t

pytestmark = pytest.mark.django_db


def _rows(response):
    return response.content.decode().count('data-testid="ticket-row"')


def test_list_keeps_its_query_budget_and_filters(world, web, django_assert_max_num_queries):
    client_row = t.customer(world)
    for _ in range(2):
        t.ticket(world, client=client_row, assignee=world.agent)
    client = web(world.agent)
    client.get("/tickets/")
    with django_assert_max_num_queries(18) as few:
        assert _rows(client.get("/tickets/")) == 2
    for _ in range(5):
        t.ticket(world, client=client_row)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert _rows(client.get("/tickets/")) == 7
    assert _rows(client.get("/tickets/?assignee=me&status=open")) == 2
    assert _rows(client.get("/tickets/?assignee=unassigned&status=open")) == 5
    assert _rows(client.get("/tickets/?status=bogus")) == 0


def test_detail_budget_and_conversation(world, web, django_assert_max_num_queries):
    ticket = t.ticket(world)
    with org_scope(world.org):
        for index in range(3):
            services.ticket_reply(actor=world.agent, ticket=ticket, body=f"回复{index}")
        services.ticket_reply(actor=world.agent, ticket=ticket, body="内部", public=False)
    client = web(world.agent)
    client.get(f"/tickets/{ticket.pk}/")
    with django_assert_max_num_queries(30):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert page.count('data-testid="message-reply"') == 3
    assert page.count('data-testid="message-note"') == 1


def test_form_creates_and_edits(world, web):
    client_row = t.customer(world)
    person = t.contact(world, client_row)
    client = web(world.agent)
    assert client.get(f"/tickets/new/?customer={client_row.pk}").status_code == 200
    options = client.get(f"/tickets/customer-options/?customer={client_row.pk}")
    assert person.name in options.content.decode()
    response = client.post(
        "/tickets/new/",
        {
            "customer": client_row.pk,
            "contact": person.pk,
            "subject": "安装预约",
            "category": "installation",
            "priority": "normal",
            "channel": "phone",
        },
    )
    assert response.status_code == 302
    with org_scope(world.org):
        ticket = Ticket.objects.get()
    assert ticket.contact == person
    edit = client.post(
        f"/tickets/{ticket.pk}/edit/",
        {
            "customer": client_row.pk,
            "subject": "安装预约（周六）",
            "category": "installation",
            "priority": "high",
            "channel": "phone",
            "version": ticket.version,
        },
    )
    assert edit.status_code == 302
    stale = client.post(
        f"/tickets/{ticket.pk}/edit/",
        {
            "customer": client_row.pk,
            "subject": "旧",
            "category": "installation",
            "priority": "low",
            "channel": "phone",
            "version": ticket.version,
        },
    )
    assert stale.status_code == 409
    assert t.reload(world, ticket).subject == "安装预约（周六）"


def test_bad_form_is_400_and_writes_nothing(world, web):
    client_row = t.customer(world)
    response = web(world.agent).post(
        "/tickets/new/",
        {"customer": client_row.pk, "subject": "", "category": "", "priority": "normal",
         "channel": "phone"},
    )  # fmt: skip
    assert response.status_code == 400
    with org_scope(world.org):
        assert not Ticket.with_deleted.exists()


def test_actions_from_the_detail_page(world, web):
    ticket = t.ticket(world)
    client = web(world.agent)
    base = f"/tickets/{ticket.pk}"
    client.post(f"{base}/reply/", {"body": "已安排", "public": "on"})
    client.post(f"{base}/transition/", {"status": "resolved", "resolution": "上门更换"})
    client.post(f"{base}/transition/", {"status": "closed"})
    client.post(f"{base}/survey/", {"score": "5", "comment": "满意"})
    after = t.reload(world, ticket)
    assert after.status == "closed" and after.first_response_at
    with org_scope(world.org):
        assert after.surveys.get().score == 5
    page = client.get(f"{base}/").content.decode()
    assert 'data-testid="survey-score"' in page
    client.post(f"{base}/reopen/", {"reason": "复发"})
    assert t.reload(world, ticket).status == "in_progress"


def test_files_need_visibility(world, other_world, web):
    ticket = t.ticket(world)
    client = web(world.agent)
    upload = SimpleUploadedFile("现场.jpg", b"jpegdata", content_type="image/jpeg")
    client.post(f"/tickets/{ticket.pk}/files/", {"file": upload})
    with org_scope(world.org):
        attachment = ticket.attachments.get()
    assert client.get(f"/tickets/files/{attachment.pk}/download/").status_code == 200
    assert (
        web(other_world.admin).get(f"/tickets/files/{attachment.pk}/download/").status_code == 404
    )


def test_customer_card(world, web):
    client_row = t.customer(world)
    t.ticket(world, client=client_row, category="complaint")
    response = web(world.agent).get(f"/tickets/customer/{client_row.pk}/card/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="tickets-card-row"' in text and "投诉 1" in text


def test_call_centre_screen(world, web):
    client_row = t.customer(world, name="朝阳门店")
    t.contact(world, client_row, name="王店长", mobile="13711112222")
    client = web(world.agent)
    page = client.get("/service/call?number=137-1111-2222").content.decode()
    assert "朝阳门店" in page and "王店长" in page and "137****2222" in page
    assert (
        'data-testid="call-no-match"'
        in client.get("/service/call?number=13000000000").content.decode()
    )
    assert 'data-testid="call-too-short"' in client.get("/service/call?number=12").content.decode()
    created = client.post(
        "/tickets/call/new/",
        {"customer": client_row.pk, "subject": "门店空调不制冷", "category": "repair",
         "number": "13711112222"},
    )  # fmt: skip
    assert created.status_code == 302
    with org_scope(world.org):
        ticket = Ticket.objects.get()
    assert ticket.channel == "phone" and ticket.created_by == world.agent
    refused = client.post("/tickets/call/new/", {"customer": client_row.pk, "subject": ""})
    assert refused.status_code == 302 and "/service/call" in refused["Location"]


def test_public_survey_page_without_sign_in(world, client):
    ticket = t.ticket(world)
    with org_scope(world.org):
        services.ticket_transition(
            actor=world.agent, ticket=ticket, status="resolved", resolution="已修复"
        )
        services.ticket_transition(actor=world.agent, ticket=ticket, status="closed")
        token = services.ticket_survey_link(actor=world.agent, ticket=ticket)
    url = f"/tickets/survey/{token}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"score": "9"}).status_code == 400
    assert client.post(url, {"score": "3"}).status_code == 302
    assert client.get(url).status_code == 404
    assert client.get("/tickets/survey/1-nonsense/").status_code == 404


def test_readonly_sees_no_action_buttons(world, web):
    ticket = t.ticket(world, actor=world.admin, assignee=world.readonly)
    page = web(world.readonly).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="reply-form"' not in page
    assert 'data-testid="ticket-start"' not in page
    assert (
        web(world.readonly).post(f"/tickets/{ticket.pk}/reply/", {"body": "x"}).status_code == 403
    )
