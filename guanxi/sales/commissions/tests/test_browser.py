"""Real-browser flows: a sales manager generates a rep's statement for a month, adds an
adjustment and submits it (approved and locked, no flow needed for an approver); an
administrator edits a rule's tiers in the tier editor (add a band, preview the
commission) and saves them."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.commissions.models import CommissionRule, CommissionStatement
from guanxi.sales.commissions.tests import helpers as c

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class StatementPages:
    def __init__(self, page):
        self.page = page

    def generate(self, period, employee_id):
        self.page.goto("/commissions/generate/")
        self.page.wait_for_selector("[data-testid=generate-form]")
        self.page.fill("input[name=period]", period)
        self.page.select_option("select[name=employee]", str(employee_id))
        self.page.click("[data-testid=generate-submit]")
        self.page.wait_for_selector("[data-testid=statement-facts]")

    def adjust(self, amount, reason):
        self.page.fill("[data-testid=adjustment-form] input[name=amount]", amount)
        self.page.fill("[data-testid=adjustment-form] input[name=reason]", reason)
        self.page.click("[data-testid=adjustment-add]")
        self.page.wait_for_selector("[data-testid=adjustment-line]")


def test_generate_adjust_and_submit_a_statement(world, page, sign_in):
    c.rule(world)
    item = c.product(world)
    order = c.order(world, world.rep_a, [(item, "2000")])
    c.collect(world, order, "2000")

    sign_in(world.manager)
    pages = StatementPages(page)
    pages.generate("2026-05", world.rep_a.pk)
    assert page.locator("[data-testid=statement-line]").count() == 1
    assert page.inner_text("[data-testid=statement-total]").startswith("60.00")
    pages.adjust("-10", "客户投诉扣减")
    assert page.inner_text("[data-testid=statement-total]").startswith("50.00")
    page.click("[data-testid=statement-submit]")
    page.wait_for_selector("[data-testid=statement-locked]")
    assert page.locator("[data-testid=statement-recompute]").count() == 0

    with org_scope(world.org):
        statement = CommissionStatement.objects.get()
        assert statement.status == "approved" and statement.total == c.D("50")


def test_edit_rule_tiers(world, page, sign_in):
    rule = c.rule(world, name="订单阶梯", basis="order", tiers=(("0", "3"),))

    sign_in(world.admin)
    page.goto(f"/commissions/rules/{rule.pk}/")
    page.wait_for_selector("[data-testid=tier-row]")
    page.click("[data-testid=tier-add]")
    rows = page.locator("[data-testid=tier-row]")
    assert rows.count() == 2
    rows.nth(1).locator("[data-testid=tier-from]").fill("100000")
    rows.nth(1).locator("[data-testid=tier-rate]").fill("5")
    page.fill("[data-testid=tier-sample]", "150000")
    assert page.inner_text("[data-testid=tier-preview]") == "5500.00"
    page.click("[data-testid=rule-save]")
    page.wait_for_selector("[data-testid=messages] .alert-success")
    assert page.locator(".invalid-feedback").count() == 0
    assert page.locator("[data-testid=form-errors]").count() == 0

    with org_scope(world.org):
        tiers = list(
            CommissionRule.objects.get(pk=rule.pk).tiers.values_list("from_amount", "rate")
        )
    assert tiers == [(c.D("0"), c.D("3")), (c.D("100000"), c.D("5"))]
