"""The mail channel's API: the mailbox (passwords write-only), the mail logs, turning
an unmatched mail into a ticket; permissions and other orgs."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import InboundMail, Mailbox, OutboundMail
from guanxi.service.mail.tests import helpers as h
from guanxi.service.tickets.models import Ticket

pytestmark = pytest.mark.django_db

BODY = {
    "name": "客服邮箱",
    "active": False,
    "imap_host": "imap.alpha.example",
    "imap_port": 993,
    "imap_security": "ssl",
    "imap_user": "service@alpha.example",
    "imap_password": "imap-secret",
    "smtp_host": "smtp.alpha.example",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "smtp_user": "service@alpha.example",
    "smtp_password": "smtp-secret",
    "from_address": "service@alpha.example",
    "from_name": "阿尔法客服",
}


def _unmatched(world, *, sender="new@unknown.example", subject="想了解价格", body="请报价"):
    mailbox = h.mailbox(world, active=False)
    with org_scope(world.org):
        services.handle_message(
            mailbox=mailbox, raw=h.plain(sender=sender, subject=subject, body=body)
        )
        return InboundMail.objects.get(subject=subject)


def test_admin_creates_the_mailbox_and_passwords_never_come_back(world, api):
    client = api(world.admin)
    created = client.post("/api/v1/mailboxes", BODY, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert "imap_password" not in data and "smtp_password" not in data
    assert data["has_imap_password"] is True and data["has_smtp_password"] is True
    assert "imap-secret" not in created.content.decode()
    listing = client.get("/api/v1/mailboxes").json()
    assert listing["count"] == 1 and "imap-secret" not in str(listing)
    with org_scope(world.org):
        stored = Mailbox.objects.get()
    assert stored.password("imap_password") == "imap-secret"
    assert "imap-secret" not in stored.imap_password  # stored encrypted

    again = client.post("/api/v1/mailboxes", BODY, format="json")
    assert again.status_code == 422 and again.json()["code"] == "mailbox_exists"


def test_a_blank_password_keeps_the_stored_one_and_a_stale_version_is_409(world, api):
    client = api(world.admin)
    pk = client.post("/api/v1/mailboxes", BODY, format="json").json()["id"]
    changed = client.patch(
        f"/api/v1/mailboxes/{pk}",
        {"imap_password": "", "from_name": "新名称", "version": 1},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["from_name"] == "新名称" and changed.json()["version"] == 2
    with org_scope(world.org):
        assert Mailbox.objects.get().password("imap_password") == "imap-secret"
    stale = client.patch(f"/api/v1/mailboxes/{pk}", {"from_name": "x", "version": 1}, format="json")
    assert stale.status_code == 409


def test_bad_mailbox_input_is_a_400_naming_the_fields(world, api):
    client = api(world.admin)
    bad = client.post(
        "/api/v1/mailboxes",
        {**BODY, "imap_port": 70000, "imap_host": "", "from_address": "not-an-address"},
        format="json",
    )
    assert bad.status_code == 400
    fields = bad.json()["fields"]
    assert {"imap_port", "imap_host", "from_address"} <= set(fields)
    with org_scope(world.org):
        assert not Mailbox.objects.exists()


def test_only_setup_people_see_or_change_the_mailbox(world, api):
    box = h.mailbox(world, active=False)
    for employee in (world.agent, world.rep_a):
        assert api(employee).get("/api/v1/mailboxes").status_code == 403
    # the read-only role sees every module's settings, and changes none
    assert api(world.readonly).get("/api/v1/mailboxes").json()["count"] == 1
    for employee in (world.agent, world.rep_a, world.readonly):
        client = api(employee)
        assert client.post("/api/v1/mailboxes", BODY, format="json").status_code == 403
        url = f"/api/v1/mailboxes/{box.pk}"
        assert client.patch(url, {"from_name": "x"}, format="json").status_code in (403, 404)
        assert client.post(f"{url}/test-connection").status_code in (403, 404)
        assert client.post(f"{url}/poll").status_code in (403, 404)
    with org_scope(world.org):
        assert Mailbox.objects.get().from_name == "阿尔法客服"


def test_test_connection_endpoint_really_connects(world, api, imap_server, smtp_server):
    box = h.mailbox(world, imap=imap_server, smtp=smtp_server)
    answer = api(world.admin).post(f"/api/v1/mailboxes/{box.pk}/test-connection")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True and answer.json()["smtp_ok"] is True


def test_poll_endpoint_runs_the_poll_as_a_job(
    world, api, imap_server, django_capture_on_commit_callbacks
):
    from guanxi.jobs.models import Job

    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    imap_server.deliver(h.plain())
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(world.admin).post(f"/api/v1/mailboxes/{box.pk}/poll")
    assert answer.status_code == 202
    with org_scope(world.org):
        job = Job.objects.get(pk=answer.json()["id"])
        assert job.status == "succeeded", job.error
        assert job.result["status"] == "ok"
        assert Ticket.objects.count() == 1


def test_an_agent_turns_an_unmatched_mail_into_a_ticket(world, api):
    client_record, person = h.customer_with_contact(world)
    mail = _unmatched(world)
    agent = api(world.agent)
    listing = agent.get("/api/v1/inbound-mails", {"status": "unmatched"}).json()
    assert [item["id"] for item in listing["items"]] == [mail.pk]
    detail = agent.get(f"/api/v1/inbound-mails/{mail.pk}").json()
    assert detail["body_text"] == "请报价"

    made = agent.post(
        f"/api/v1/inbound-mails/{mail.pk}/create-ticket",
        {"customer": client_record.pk, "contact": person.pk},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "ticket_created" and made.json()["ticket_code"]
    again = agent.post(
        f"/api/v1/inbound-mails/{mail.pk}/create-ticket",
        {"customer": client_record.pk},
        format="json",
    )
    assert again.status_code == 422 and again.json()["code"] == "mail_already_handled"
    with org_scope(world.org):
        assert Ticket.objects.count() == 1


def test_create_ticket_input_errors_are_400_and_write_nothing(world, api):
    mail = _unmatched(world)
    agent = api(world.agent)
    for body in ({}, {"customer": "abc"}, {"customer": 999999}):
        answer = agent.post(f"/api/v1/inbound-mails/{mail.pk}/create-ticket", body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        assert "customer" in answer.json()["fields"]
    with org_scope(world.org):
        assert Ticket.objects.count() == 0
        assert InboundMail.objects.get().status == "unmatched"


def test_a_read_only_employee_cannot_create_the_ticket(world, api):
    client_record, _person = h.customer_with_contact(world)
    mail = _unmatched(world)
    answer = api(world.readonly).post(
        f"/api/v1/inbound-mails/{mail.pk}/create-ticket",
        {"customer": client_record.pk},
        format="json",
    )
    assert answer.status_code == 403
    with org_scope(world.org):
        assert InboundMail.objects.get().status == "unmatched"
        assert Ticket.objects.count() == 0


def test_another_orgs_mails_are_404_and_never_listed(world, other_world, api):
    foreign = _unmatched(other_world)
    own = _unmatched(world, subject="本组织的")
    client = api(world.admin)
    assert client.get(f"/api/v1/inbound-mails/{foreign.pk}").status_code == 404
    answer = client.post(
        f"/api/v1/inbound-mails/{foreign.pk}/create-ticket", {"customer": 1}, format="json"
    )
    assert answer.status_code == 404
    ids = [item["id"] for item in client.get("/api/v1/inbound-mails").json()["items"]]
    assert ids == [own.pk]
    assert client.get("/api/v1/outbound-mails").json()["items"] == []
    with org_scope(other_world.org):
        assert InboundMail.objects.get(pk=foreign.pk).status == "unmatched"


def test_inbound_list_query_count_does_not_grow(world, api, django_assert_max_num_queries):
    h.customer_with_contact(world)
    box = h.mailbox(world, active=False)
    client = api(world.admin)

    def add(n):
        with org_scope(world.org):
            for i in range(n):
                services.handle_message(mailbox=box, raw=h.plain(subject=f"邮件 {i}"))

    add(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/api/v1/inbound-mails").status_code == 200
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = client.get("/api/v1/inbound-mails")
    assert answer.json()["count"] == 10
    first = answer.json()["items"][0]["id"]
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/api/v1/inbound-mails/{first}").status_code == 200


def test_outbound_list_and_retry(world, api, smtp_server, django_capture_on_commit_callbacks):
    from guanxi.service.tickets import services as tickets

    client_record, person = h.customer_with_contact(world)
    h.mailbox(world, smtp=smtp_server)
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        ticket = tickets.ticket_create(
            actor=world.admin,
            customer=client_record,
            contact=person,
            subject="电话报修",
            category="consultation",
        )
        reply = tickets.ticket_reply(actor=world.admin, ticket=ticket, body="已安排。")
        services.on_agent_reply(message=reply)
    with org_scope(world.org):
        outbound = OutboundMail.objects.get()
    items = api(world.agent).get("/api/v1/outbound-mails").json()["items"]
    assert [(i["id"], i["status"], i["ticket_code"]) for i in items] == [
        (outbound.pk, "sent", ticket.code)
    ]
    refused = api(world.admin).post(f"/api/v1/outbound-mails/{outbound.pk}/retry")
    assert refused.status_code == 422 and refused.json()["code"] == "mail_not_failed"
    assert api(world.rep_a).get("/api/v1/outbound-mails").status_code == 403
    assert api(world.rep_a).get("/api/v1/inbound-mails").status_code == 403
