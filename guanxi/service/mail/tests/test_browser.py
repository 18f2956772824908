"""Real-browser flows: an administrator sets up the service mailbox and tests the
connection against real servers; an agent turns an unmatched mail into a ticket."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import InboundMail, Mailbox
from guanxi.service.mail.tests import helpers as h
from guanxi.service.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class MailboxPage:
    def __init__(self, page):
        self.page = page
        self.form = page.locator("[data-testid=mailbox-form]")

    def open(self):
        self.page.goto("/service/mail/")
        self.form.wait_for()

    def fill(self, **values):
        for name, value in values.items():
            box = self.form.locator(f"[name={name}]")
            if name.endswith("_security"):
                box.select_option(value)
            else:
                box.fill(str(value))

    def test_connection(self):
        self.form.locator("[data-testid=mailbox-test]").click()
        result = self.page.locator("[data-testid=mailbox-test-result]")
        result.wait_for()
        return result

    def save(self):
        self.form.locator("[data-testid=mailbox-save]").click()
        self.page.wait_for_selector("[data-testid=mailbox-state]")


def test_admin_configures_the_mailbox_and_tests_the_connection(
    world, page, sign_in, imap_server, smtp_server
):
    sign_in(world.admin)
    screen = MailboxPage(page)
    screen.open()
    screen.fill(
        imap_host=imap_server.host, imap_port=imap_server.port, imap_security="none",
        imap_user=imap_server.user, imap_password="wrong-password", imap_folder="INBOX",
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none",
        from_address=h.SERVICE_ADDRESS, from_name="阿尔法客服",
    )  # fmt: skip
    result = screen.test_connection()
    assert result.locator("[data-testid=mailbox-test-imap]").get_attribute("data-ok") == "0"
    assert "IMAP 连接失败" in result.inner_text()

    screen.fill(imap_password=imap_server.password)
    result = screen.test_connection()
    imap = result.locator("[data-testid=mailbox-test-imap][data-ok='1']")
    imap.wait_for()
    assert "IMAP 连接成功" in imap.inner_text()
    assert result.locator("[data-testid=mailbox-test-smtp]").get_attribute("data-ok") == "1"

    screen.form.locator("[name=active]").check()
    screen.save()
    with org_scope(world.org):
        box = Mailbox.objects.get()
    assert box.active and box.password("imap_password") == imap_server.password
    assert page.locator("[name=imap_password]").input_value() == ""


def test_agent_turns_an_unmatched_mail_into_a_ticket(world, page, sign_in):
    client, person = h.customer_with_contact(
        world, name="新客科技有限公司", contact="周八", email="zhou@newcorp.example"
    )
    other, other_person = h.customer_with_contact(
        world, name="别的客户", contact="吴九", email="wu@other.example"
    )
    box = h.mailbox(world, active=False)
    with org_scope(world.org):
        services.handle_message(
            mailbox=box,
            raw=h.plain(sender="采购部 <buyer@newcorp.example>", subject="询价：工业网关 20 台",
                        body="请报最优价格。"),
        )  # fmt: skip
    sign_in(world.agent)
    page.goto("/service/mail/unmatched/")
    row = page.locator("[data-testid=unmatched-row]")
    assert row.count() == 1 and "询价：工业网关 20 台" in row.inner_text()
    row.locator("[data-testid=unmatched-create]").click()

    form = page.locator("[data-testid=create-ticket-form]")
    form.wait_for()
    assert "请报最优价格" in page.locator("[data-testid=inbound-body]").inner_text()
    # the customer of the sender's domain is offered first and already chosen
    assert form.locator("[name=customer]").input_value() == str(client.pk)
    # the contact list follows the chosen customer
    contact = form.locator("[name=contact]")
    form.locator("[name=customer]").select_option(str(other.pk))
    contact.locator(f"option[value='{other_person.pk}']").wait_for(state="attached")
    form.locator("[name=customer]").select_option(str(client.pk))
    contact.locator(f"option[value='{person.pk}']").wait_for(state="attached")
    assert contact.locator(f"option[value='{other_person.pk}']").count() == 0
    contact.select_option(str(person.pk))
    form.locator("[data-testid=create-ticket-submit]").click()
    page.wait_for_url(lambda url: "/service/mail/inbound/" not in url)

    with org_scope(world.org):
        ticket = Ticket.objects.get()
        mail = InboundMail.objects.get()
    assert ticket.customer_id == client.pk and ticket.contact_id == person.pk
    assert ticket.channel == "email" and "请报最优价格" in ticket.description
    assert mail.status == "ticket_created" and mail.handled_by_id == world.agent.pk
    assert ticket.code in page.content()
