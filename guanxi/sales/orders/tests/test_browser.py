"""Real-browser flow: a rep creates an order for a customer over its credit limit, confirms
it and reads why it was refused (refuse mode) or sent to credit approval (approval mode)."""

from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import owes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class OrderPages:
    def __init__(self, page):
        self.page = page

    def create(self, *, customer, product_label, quantity):
        self.page.goto(f"/orders/new/?customer={customer.pk}")
        form = self.page.locator("[data-testid=order-form]")
        row = form.locator("[data-testid=line-edit-row]").first
        row.locator("[data-testid=line-product]").fill(product_label)
        row.locator("[data-testid=line-product]").dispatch_event("change")
        row.locator("[data-testid=line-quantity]").fill(quantity)
        form.locator("[data-testid=order-save]").click()
        self.page.wait_for_selector("[data-testid=order-confirm]")

    def confirm(self):
        self.page.click("[data-testid=order-confirm]")
        self.page.wait_for_load_state("domcontentloaded")

    def status(self):
        return self.page.locator("[data-testid=order-status]").first.inner_text().strip()


def _customer_over_limit(world):
    client = h.customer(world, name="欠款大户有限公司", credit_limit=Decimal("1500"))
    owes(world, client, "800")
    return client


def test_refused_order_shows_the_reason_with_the_figures(world, page, sign_in):
    h.settings(world, credit_check_mode="refuse")
    client = _customer_over_limit(world)
    h.product(world, name="工业网关", price="1000", tax_rate="0", code="GW-01")
    sign_in(world.rep_a)
    pages = OrderPages(page)
    pages.create(customer=client, product_label="GW-01 工业网关", quantity="1")
    pages.confirm()
    alert = page.locator("[data-testid=messages] .alert-danger").first
    text = alert.inner_text()
    assert "超出信用额度" in text
    assert "800.00" in text and "1,800.00" in text and "1,500.00" in text
    assert pages.status() == "草稿"
    with org_scope(world.org):
        assert Order.objects.get(customer=client).status == Order.Status.DRAFT


def test_order_over_the_limit_goes_to_credit_approval_with_the_reason(world, page, sign_in):
    h.settings(world, credit_check_mode="approval")
    h.flow(world, "order")
    client = _customer_over_limit(world)
    h.product(world, name="工业网关", price="1000", tax_rate="0", code="GW-01")
    sign_in(world.rep_a)
    pages = OrderPages(page)
    pages.create(customer=client, product_label="GW-01 工业网关", quantity="1")
    pages.confirm()
    reason = page.locator("[data-testid=credit-reason]")
    reason.wait_for()
    assert "等待信用审批" in reason.inner_text()
    assert "1,800.00" in reason.inner_text()
    assert pages.status() == "信用审批中"
    assert page.locator("[data-testid=approval-panel]").count() == 1
