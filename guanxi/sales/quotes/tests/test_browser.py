"""Real-browser flow of quotes: a rep opens "new quote" from a customer, picks two
products in the lines editor, sees the live totals, saves, and finds the same totals and
the PDF link on the quote page."""

from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.quotes.models import Quote
from guanxi.sales.quotes.tests.helpers import customer, product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class QuoteFormPage:
    def __init__(self, page):
        self.page = page

    def open_for(self, customer_id):
        self.page.goto(f"/quotes/new/?customer={customer_id}")
        self.page.wait_for_selector("[data-testid=lines-editor] [data-testid=line-edit-row]")

    def row(self, index):
        return self.page.locator("[data-testid=line-edit-row]").nth(index)

    def fill_line(self, index, *, product, quantity, discount=None):
        row = self.row(index)
        row.locator("[data-testid=line-product]").fill(product)
        row.locator("[data-testid=line-product]").press("Tab")  # closes the suggestions
        row.locator("[data-testid=line-quantity]").fill(quantity)
        if discount is not None:
            row.locator("[data-testid=line-discount]").fill(discount)

    def add_line(self):
        self.page.click("[data-testid=line-add]")

    def total(self):
        return self.page.locator("[data-testid=edit-total]").inner_text()

    def save(self):
        self.page.click("[data-testid=save]")
        self.page.wait_for_selector("[data-testid=quote-title]")


def test_create_quote_with_two_lines(world, page, sign_in):
    client = customer(world, name="华光科技有限公司")
    product(world, name="激光打印机", price="1999", tax_rate="13", code="DY-01")
    product(world, name="硒鼓", price="299.5", tax_rate="13", code="XG-01")
    sign_in(world.rep_a)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    form = QuoteFormPage(page)
    form.open_for(client.pk)
    form.fill_line(0, product="DY-01 激光打印机", quantity="2", discount="10")
    form.add_line()
    form.fill_line(1, product="XG-01 硒鼓", quantity="3")
    # 2 × 1999 less 10% = 3598.20 + 467.77 tax; 3 × 299.50 = 898.50 + 116.81 tax
    assert form.row(0).locator("[data-testid=line-total]").inner_text() == "4065.97"
    assert form.total() == "5081.28"
    form.save()
    assert errors == []

    assert page.locator("[data-testid=total-total]").inner_text() == "5081.28"
    assert page.locator("[data-testid=line-row]").count() == 2
    pdf_link = page.locator("[data-testid=quote-pdf]")
    assert pdf_link.is_visible()
    with org_scope(world.org):
        made = Quote.objects.get()
    assert made.total == Decimal("5081.28")
    assert pdf_link.get_attribute("href").startswith(f"/quotes/{made.pk}/pdf/")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
