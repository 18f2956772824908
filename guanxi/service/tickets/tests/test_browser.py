"""Real-browser flows: an agent creates a ticket, replies, resolves it and closes it with
the customer's score; the call-centre screen pops the caller's customer for the number
in the address and opens a ticket in one step."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.tickets.models import Ticket, TicketSurvey
from guanxi.service.tickets.tests import helpers as t

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class TicketPage:
    def __init__(self, page):
        self.page = page

    def status(self):
        return self.page.locator("[data-testid=ticket-status]").first.inner_text().strip()

    def click_and_wait(self, testid):
        with self.page.expect_navigation():
            self.page.click(f"[data-testid={testid}]")


def test_create_reply_resolve_close_with_survey(world, page, sign_in):
    client_row = t.customer(world, name="华光科技有限公司")
    t.contact(world, client_row, name="刘工")
    sign_in(world.agent)
    page.goto(f"/tickets/new/?customer={client_row.pk}")
    form = page.locator("[data-testid=ticket-form]")
    form.locator("[name=subject]").fill("打印机卡纸")
    form.locator("[name=category]").select_option("repair")
    form.locator("[name=contact]").select_option(label="刘工")
    with page.expect_navigation():
        form.locator("[data-testid=ticket-save]").click()
    pages = TicketPage(page)
    assert "打印机卡纸" in page.locator("[data-testid=ticket-title]").inner_text()
    assert pages.status() == "新建"

    page.fill("[data-testid=reply-body]", "您好，工程师明天上午上门。")
    pages.click_and_wait("reply-send")
    assert page.locator("[data-testid=message-reply]").count() == 1
    assert pages.status() == "处理中"

    page.click("[data-testid=ticket-resolve-open]")
    page.fill("[data-testid=resolution]", "清理搓纸轮，更换分页器")
    pages.click_and_wait("ticket-resolve")
    assert pages.status() == "已解决"

    pages.click_and_wait("ticket-close")
    assert pages.status() == "已关闭"
    page.check("[data-testid=survey-score-4]")
    page.fill("[name=comment]", "响应很快")
    pages.click_and_wait("survey-save")
    assert "4 / 5" in page.locator("[data-testid=survey-score]").inner_text()
    with org_scope(world.org):
        ticket = Ticket.objects.get()
        survey = TicketSurvey.objects.get(ticket=ticket)
    assert ticket.status == "closed" and ticket.first_response_at is not None
    assert (survey.score, survey.comment, survey.source) == (4, "响应很快", "agent")


def test_call_centre_pops_the_customer_and_opens_a_ticket(world, page, sign_in):
    client_row = t.customer(world, name="朝阳区实验小学")
    t.contact(world, client_row, name="陈主任", mobile="13566667777")
    t.ticket(world, client=client_row, subject="投影仪不亮")
    sign_in(world.agent)
    page.goto("/service/call?number=%2B86%20135-6666-7777")
    match = page.locator("[data-testid=call-match]")
    match.wait_for()
    assert "朝阳区实验小学" in match.locator("[data-testid=call-customer]").inner_text()
    assert "陈主任" in match.locator("[data-testid=call-contact]").inner_text()
    assert "投影仪不亮" in match.locator("[data-testid=call-open-tickets]").inner_text()
    match.locator("[data-testid=call-subject]").fill("电子白板无法触控")
    match.locator("[data-testid=call-category]").select_option("repair")
    with page.expect_navigation():
        match.locator("[data-testid=call-create]").click()
    assert "电子白板无法触控" in page.locator("[data-testid=ticket-title]").inner_text()
    with org_scope(world.org):
        ticket = Ticket.objects.get(subject="电子白板无法触控")
    assert ticket.channel == "phone" and ticket.contact.name == "陈主任"
    assert ticket.customer_id == client_row.pk
