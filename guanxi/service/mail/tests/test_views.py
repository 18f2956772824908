"""The channel's screens: the mailbox settings (who may see and save them, the test
button), the logs with their query budgets, and the unmatched mail → ticket form."""

import pytest
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import InboundMail, Mailbox
from guanxi.service.mail.tests import helpers as h
from guanxi.service.tickets.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db

FORM = {
    "name": "客服邮箱",
    "active": "on",
    "imap_host": "imap.alpha.example",
    "imap_port": "993",
    "imap_security": "ssl",
    "imap_user": "service@alpha.example",
    "imap_password": "imap-secret",
    "imap_folder": "INBOX",
    "smtp_host": "",
    "smtp_port": "465",
    "smtp_security": "ssl",
    "smtp_user": "",
    "smtp_password": "",
    "from_address": "service@alpha.example",
    "from_name": "阿尔法客服",
}


def test_the_admin_saves_the_mailbox_and_the_password_is_not_shown(world, web):
    client = web(world.admin)
    assert client.get("/service/mail/").status_code == 200
    saved = client.post("/service/mail/", FORM)
    assert saved.status_code == 302
    with org_scope(world.org):
        box = Mailbox.objects.get()
    assert box.password("imap_password") == "imap-secret" and box.active
    assert "imap-secret" not in box.imap_password  # stored encrypted
    page = client.get("/service/mail/").content.decode()
    assert "imap-secret" not in page
    assert "留空则保留已保存的密码" in page

    again = client.post("/service/mail/", {**FORM, "imap_password": "", "version": box.version})
    assert again.status_code == 302
    with org_scope(world.org):
        assert Mailbox.objects.get().password("imap_password") == "imap-secret"


def test_bad_settings_are_shown_on_the_form_and_nothing_is_saved(world, web):
    answer = web(world.admin).post(
        "/service/mail/", {**FORM, "imap_port": "0", "from_address": "not-mail"}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "is-invalid" in page
    with org_scope(world.org):
        assert not Mailbox.objects.exists()


def test_a_stale_form_is_refused(world, web):
    h.mailbox(world, active=False)
    answer = web(world.admin).post("/service/mail/", {**FORM, "version": "0"})
    assert answer.status_code == 409
    with org_scope(world.org):
        assert Mailbox.objects.get().imap_host == "127.0.0.1"


def test_agents_may_not_open_the_settings(world, web):
    assert web(world.agent).get("/service/mail/").status_code == 403
    assert web(world.agent).post("/service/mail/", FORM).status_code == 403
    assert web(world.agent).post("/service/mail/test/", FORM).status_code == 403
    with org_scope(world.org):
        assert not Mailbox.objects.exists()


def test_the_test_button_reports_both_servers(world, web, imap_server, smtp_server):
    form = {**FORM, **imap_server.settings(), **smtp_server.settings()}
    form["imap_port"], form["smtp_port"] = str(imap_server.port), str(smtp_server.port)
    answer = web(world.admin).post("/service/mail/test/", form)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-testid="mailbox-test-imap" data-ok="1"' in page
    assert 'data-testid="mailbox-test-smtp" data-ok="1"' in page
    with org_scope(world.org):
        assert not Mailbox.objects.exists()  # testing saves nothing

    wrong = web(world.admin).post("/service/mail/test/", {**form, "imap_password": "x"})
    assert 'data-testid="mailbox-test-imap" data-ok="0"' in wrong.content.decode()


def _unmatched(world, box, n=1):
    with org_scope(world.org):
        for i in range(n):
            services.handle_message(
                mailbox=box,
                raw=h.plain(sender=f"x{i}@newcorp.example", subject=f"询价 {i}", body="请报价"),
            )


def test_log_pages_keep_their_query_budget(world, web, django_assert_max_num_queries):
    box = h.mailbox(world, active=False)
    client = web(world.admin)
    _unmatched(world, box, 2)
    pages = ("/service/mail/inbound/", "/service/mail/unmatched/", "/service/mail/outbound/")
    budgets = {}
    for url in pages:
        with django_assert_max_num_queries(25) as seen:
            assert client.get(url).status_code == 200
        budgets[url] = len(seen.captured_queries)
    _unmatched(world, box, 6)
    for url in pages:
        with django_assert_max_num_queries(budgets[url]):
            page = client.get(url).content.decode()
        if url != "/service/mail/outbound/":
            assert page.count('-row"') == 8
    with org_scope(world.org):
        pk = InboundMail.objects.order_by("-id").values_list("pk", flat=True).first()
    with django_assert_max_num_queries(25):
        assert client.get(f"/service/mail/inbound/{pk}/").status_code == 200


def test_the_inbound_log_filters_by_status(world, web):
    h.customer_with_contact(world)
    box = h.mailbox(world, active=False)
    _unmatched(world, box, 1)
    with org_scope(world.org):
        services.handle_message(mailbox=box, raw=h.plain())
    client = web(world.admin)
    page = client.get("/service/mail/inbound/", {"status": "unmatched"}).content.decode()
    assert page.count('data-testid="inbound-row"') == 1 and "询价 0" in page
    bad = client.get("/service/mail/inbound/", {"status": "nonsense"})
    assert bad.status_code == 200 and 'data-testid="inbound-row"' not in bad.content.decode()


def test_an_agent_creates_the_ticket_from_the_form(world, web):
    client_record, person = h.customer_with_contact(
        world, email="buyer@newcorp.example", name="新客公司"
    )
    box = h.mailbox(world, active=False)
    _unmatched(world, box, 1)
    with org_scope(world.org):
        mail = InboundMail.objects.get(status="unmatched")
    client = web(world.agent)
    form_page = client.get(f"/service/mail/inbound/{mail.pk}/").content.decode()
    assert "请报价" in form_page and "新客公司" in form_page
    options = client.get("/service/mail/contacts/", {"customer": client_record.pk})
    assert person.name in options.content.decode()

    made = client.post(
        f"/service/mail/inbound/{mail.pk}/",
        {"customer": client_record.pk, "contact": person.pk, "subject": "询价",
         "category": "consultation"},
    )  # fmt: skip
    assert made.status_code == 302
    with org_scope(world.org):
        ticket = Ticket.objects.get()
        mail.refresh_from_db()
    assert made["Location"] == reverse("tickets:ticket_detail", args=[ticket.pk])
    assert ticket.subject == "询价" and ticket.contact_id == person.pk
    assert mail.status == "ticket_created" and mail.ticket_id == ticket.pk

    again = client.post(f"/service/mail/inbound/{mail.pk}/", {"customer": client_record.pk})
    assert again.status_code == 400
    with org_scope(world.org):
        assert Ticket.objects.count() == 1


def test_the_form_without_a_customer_says_so(world, web):
    box = h.mailbox(world, active=False)
    _unmatched(world, box, 1)
    with org_scope(world.org):
        mail = InboundMail.objects.get()
    answer = web(world.agent).post(f"/service/mail/inbound/{mail.pk}/", {"customer": ""})
    assert answer.status_code == 400 and "is-invalid" in answer.content.decode()
    with org_scope(world.org):
        assert InboundMail.objects.get().status == "unmatched"


def test_dismissing_an_unmatched_mail(world, web):
    box = h.mailbox(world, active=False)
    _unmatched(world, box, 1)
    with org_scope(world.org):
        mail = InboundMail.objects.get()
    assert web(world.readonly).post(f"/service/mail/inbound/{mail.pk}/dismiss/").status_code == 403
    assert web(world.agent).post(f"/service/mail/inbound/{mail.pk}/dismiss/").status_code == 302
    with org_scope(world.org):
        mail.refresh_from_db()
    assert mail.status == "dismissed" and mail.raw is None


def test_another_orgs_mail_is_404(world, other_world, web):
    box = h.mailbox(other_world, active=False)
    _unmatched(other_world, box, 1)
    with org_scope(other_world.org):
        mail = InboundMail.objects.get()
    assert web(world.admin).get(f"/service/mail/inbound/{mail.pk}/").status_code == 404
    assert web(world.admin).post(f"/service/mail/inbound/{mail.pk}/dismiss/").status_code == 404


def test_the_message_status_partial(world, smtp_server, django_capture_on_commit_callbacks):
    from django.template.loader import render_to_string

    from guanxi.service.tickets import services as tickets

    client_record, person = h.customer_with_contact(world)
    h.mailbox(world, smtp=smtp_server)
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        ticket = tickets.ticket_create(
            actor=world.admin, customer=client_record, contact=person, subject="报修",
            category="consultation",
        )  # fmt: skip
        reply = tickets.ticket_reply(actor=world.admin, ticket=ticket, body="已安排。")
        services.on_agent_reply(message=reply)
    with org_scope(world.org):
        message = TicketMessage.objects.select_related("outbound_mail").get(pk=reply.pk)
        html = render_to_string("service_mail/_message_status.html", {"message": message})
        note = tickets.ticket_reply(actor=world.admin, ticket=ticket, body="备注", public=False)
        none = render_to_string("service_mail/_message_status.html", {"message": note})
    assert 'data-status="sent"' in html and person.email in html
    assert none.strip() == ""


def test_the_demo_seed_sets_up_an_inactive_mailbox_and_a_few_mails(world):
    from guanxi.service.mail import demo

    h.customer_with_contact(world)
    with org_scope(world.org):
        assert demo.seed(world.admin) == 3
        assert demo.seed(world.admin) == 0  # a second run adds nothing
        box = Mailbox.objects.get()
        statuses = sorted(InboundMail.objects.values_list("status", flat=True))
    assert not box.active
    assert statuses == ["ignored_loop", "ticket_created", "unmatched"]
