"""Real-browser flow: a rep opens the start page, sees what waits on their quotes,
contracts and orders with the reason beside each, and opens a quote from its card."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.tests import helpers as ch
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import order
from guanxi.sales.quotes.models import Quote
from guanxi.sales.quotes.tests import helpers as qh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class StartPage:
    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/")
        self.page.wait_for_selector("[data-testid=start-card-quotes]")

    def card(self, key):
        return self.page.locator(f"[data-testid=start-card-{key}]")


def _set(world, model, record, **fields):
    with org_scope(world.org):
        model.with_deleted.filter(pk=record.pk).update(**fields)


def test_rep_sees_waiting_documents_and_opens_one(world, page, sign_in):
    soon = timezone.localdate() + datetime.timedelta(days=3)
    client = qh.customer(world, name="西湖茶业有限公司")
    quote = qh.quote(world, client=client)
    _set(world, Quote, quote, status=Quote.Status.SENT, valid_until=soon)
    contract = ch.contract(world, client=client)
    _set(world, Contract, contract, status=Contract.Status.PENDING)
    confirmed = order(world, client=client)
    _set(world, Order, confirmed, status=Order.Status.CONFIRMED)

    sign_in(world.rep_a)
    start = StartPage(page)
    start.open()
    assert "7天内过期 1" in start.card("quotes").inner_text()
    assert "待审批 1" in start.card("contracts").inner_text()
    assert "已确认未签收 1" in start.card("orders").inner_text()
    start.card("quotes").get_by_role("link", name=f"{quote.label} · 西湖茶业有限公司").click()
    page.wait_for_url(f"**/quotes/{quote.pk}/")
