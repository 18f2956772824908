"""Real-browser flow of expenses: a rep records a taxi expense for a customer with a photo
of the receipt and submits it; their manager opens it and approves it."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.expenses.models import Expense, ExpenseReceipt
from guanxi.sales.expenses.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ExpenseFormPage:
    def __init__(self, page):
        self.page = page

    def open(self, customer_id=None):
        suffix = f"?customer={customer_id}" if customer_id else ""
        self.page.goto(f"/expenses/new/{suffix}")
        self.page.wait_for_selector("[data-testid=expense-form]")

    def fill(self, *, category, amount, day, description, receipt_path):
        self.page.select_option("#id_category", category)
        self.page.fill("#id_amount", amount)
        self.page.fill("#id_incurred_on", day)
        self.page.fill("#id_description", description)
        self.page.set_input_files("[data-testid=expense-receipts]", receipt_path)

    def save(self):
        self.page.click("[data-testid=save]")
        self.page.wait_for_selector("[data-testid=expense-title]")


def test_record_submit_and_approve(world, page, sign_in, tmp_path):
    client = h.customer(world, name="华光科技有限公司")
    h.flow(world)
    receipt = tmp_path / "出租车票.png"
    receipt.write_bytes(h.PNG)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    sign_in(world.rep_a)
    form = ExpenseFormPage(page)
    form.open(client.pk)
    assert page.locator("#id_customer").input_value() == str(client.pk)
    form.fill(
        category="transport",
        amount="86.5",
        day=h.yesterday().isoformat(),
        description="拜访华光科技往返打车",
        receipt_path=str(receipt),
    )
    form.save()
    assert page.locator("[data-testid=expense-amount]").inner_text() == "86.50 CNY"
    assert page.locator("[data-testid=expense-receipt]").count() == 1
    page.click("[data-testid=expense-submit]")
    page.wait_for_selector("[data-testid=approval-panel] [data-testid=withdraw]")
    assert page.locator("[data-testid=expense-status]").inner_text() == "审批中"
    assert page.locator("[data-testid=expense-edit]").count() == 0
    detail_url = page.url

    page.context.clear_cookies()
    sign_in(world.manager)
    page.goto(detail_url)
    page.click("[data-testid=approval-decide] [data-testid=approve]")
    page.wait_for_selector("[data-testid=expense-reimburse]")
    assert page.locator("[data-testid=expense-status]").inner_text() == "已批准"
    assert errors == []
    with org_scope(world.org):
        made = Expense.objects.get()
        assert made.status == Expense.Status.APPROVED
        assert made.customer_id == client.pk
        assert ExpenseReceipt.objects.get(expense=made).original_name == "出租车票.png"


def test_customer_card_and_opportunity_picker(world, page, sign_in):
    """The customer page loads its "费用" card after the page; recording from there
    preselects the customer, and picking another customer reloads the opportunities."""
    client = h.customer(world, name="华光科技有限公司")
    other = h.customer(world, name="星河贸易有限公司")
    deal = h.opportunity(world, client, name="华光网关项目")
    other_deal = h.opportunity(world, other, name="星河仓储项目")
    h.expense(world, customer=client, amount="320", description="拜访华光午餐")
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    sign_in(world.rep_a)
    page.goto(f"/customers/{client.pk}/")
    body = page.locator("[data-testid=expenses-customer-panel-body]")
    body.wait_for()
    assert body.locator("[data-testid=panel-expense-row]").count() == 1
    assert "320.00" in body.inner_text()
    body.locator("[data-testid=panel-expense-new]").click()
    page.wait_for_selector("[data-testid=expense-form]")
    assert page.locator("#id_customer").input_value() == str(client.pk)
    options = page.locator("#id_opportunity option")
    assert f"{deal.pk}" in [options.nth(i).get_attribute("value") for i in range(options.count())]
    with page.expect_response(lambda response: "opportunity-options" in response.url):
        page.select_option("#id_customer", str(other.pk))
    page.wait_for_selector(f"#id_opportunity option[value='{other_deal.pk}']", state="attached")
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert str(deal.pk) not in values
    assert errors == []


def test_manager_filters_the_list_and_exports_it(world, page, sign_in):
    """The manager sees the team's expenses, filters them by category and gets the
    filtered total and an Excel file of the same rows."""
    h.expense(world, actor=world.rep_a, category="entertainment", amount="300")
    h.expense(world, actor=world.rep_b, category="entertainment", amount="450.5")
    h.expense(world, actor=world.rep_b, category="transport", amount="40")
    sign_in(world.manager)
    page.goto("/expenses/")
    assert page.locator("[data-testid=expense-row]").count() == 3
    page.select_option("#f-category", "entertainment")
    page.click("[data-testid=expense-filter-apply]")
    page.wait_for_url("**category=entertainment**")
    assert page.locator("[data-testid=expense-row]").count() == 2
    assert "750.50" in page.locator("[data-testid=expense-totals]").inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=expense-export]")
    assert download.value.suggested_filename.endswith(".xlsx")
