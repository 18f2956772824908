"""Real-browser flow: a rep writes a contract with one line, splits the total into three
instalments with the plan editor, saves, submits it and sees it in effect with its
receivables."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ContractForm:
    def __init__(self, page):
        self.page = page
        self.form = page.locator("[data-testid=contract-form]")

    def open(self, customer):
        self.page.goto(f"/contracts/new/?customer={customer.pk}")

    def line(self, label, quantity):
        row = self.form.locator("[data-testid=line-edit-row]").first
        row.locator("[data-testid=line-product]").fill(label)
        row.locator("[data-testid=line-product]").dispatch_event("change")
        row.locator("[data-testid=line-quantity]").fill(quantity)

    def split(self, count, first_due):
        self.form.locator("[data-testid=plan-count]").fill(count)
        self.form.locator("[data-testid=plan-first]").fill(first_due)
        self.form.locator("[data-testid=plan-split]").click()

    def amounts(self):
        return self.form.locator("[data-testid=plan-amount]").evaluate_all(
            "nodes => nodes.map(node => node.value)"
        )


def test_split_the_plan_save_submit_and_see_the_receivables(world, page, sign_in):
    client = h.customer(world, name="华东建材有限公司")
    h.product(world, name="系统门窗", price="1000", tax_rate="0", code="MC-01")
    sign_in(world.rep_a)
    form = ContractForm(page)
    form.open(client)
    form.form.locator("input[name=title]").fill("系统门窗供货合同")
    form.line("MC-01 系统门窗", "1")
    page.wait_for_function(
        "document.querySelector('[data-testid=edit-total]').textContent.trim() === '1000.00'"
    )
    form.split("3", "2027-01-31")
    assert form.amounts() == ["333.33", "333.33", "333.34"]
    assert page.locator("[data-testid=plan-sum]").inner_text().strip() == "1000.00"
    form.form.locator("[data-testid=contract-save]").click()
    page.wait_for_selector("[data-testid=contract-submit]")
    assert page.locator("[data-testid=plan-table-row]").count() == 3
    page.click("[data-testid=contract-submit]")
    page.wait_for_selector("[data-testid=contract-receivables]")
    assert page.locator("[data-testid=contract-receivable]").count() == 3
    assert page.locator("[data-testid=contract-locked]").count() == 1
    with org_scope(world.org):
        assert Contract.objects.get(title="系统门窗供货合同").status == Contract.Status.EFFECTIVE
