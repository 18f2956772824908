"""Real-browser flow: a rep enters a lead, opens it (score breakdown shown) and converts
it in one step into a customer, a contact and an opportunity."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.leads.models import Lead
from guanxi.sales.opportunities.models import Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class LeadFormPage:
    def __init__(self, page):
        self.page = page

    def create(self, **values):
        self.page.goto("/leads/new/")
        for name, value in values.items():
            selector = f"[data-testid=lead-form] [name={name}]"
            if name in ("industry", "size", "source", "owner"):
                self.page.select_option(selector, value)
            else:
                self.page.fill(selector, value)
        self.page.click("[data-testid=lead-form] [data-testid=save]")
        self.page.wait_for_selector("[data-testid=score-card]")


class ConvertPage:
    def __init__(self, page):
        self.page = page

    def convert_with_opportunity(self, *, name, amount, close_on):
        self.page.click("[data-testid=lead-convert]")
        self.page.wait_for_selector("[data-testid=convert-form]")
        self.page.check("#id_create_opportunity")
        self.page.fill("#id_opportunity_name", name)
        self.page.fill("#id_opportunity_amount", amount)
        self.page.fill("#id_expected_close_date", close_on)
        self.page.click("[data-testid=convert-submit]")
        self.page.wait_for_selector("[data-testid=lead-converted]")


def test_rep_converts_a_lead_into_customer_contact_and_opportunity(world, page, sign_in):
    sign_in(world.rep_a)
    LeadFormPage(page).create(
        company_name="宁波海曙精密机械有限公司",
        contact_name="陈晓峰",
        title="采购部经理",
        mobile="13957401234",
        industry="manufacturing",
        size="100-499",
        source="exhibition",
        owner=str(world.rep_a.pk),
    )
    breakdown = page.locator("[data-testid=score-breakdown]")
    assert "+15" in breakdown.inner_text() and "+20" in breakdown.inner_text()
    assert page.locator("[data-testid=score-value]").inner_text() == "43"

    ConvertPage(page).convert_with_opportunity(
        name="海曙精密 ERP 升级", amount="86000", close_on="2027-04-30"
    )
    banner = page.locator("[data-testid=lead-converted]")
    assert "宁波海曙精密机械有限公司" in banner.inner_text()
    assert "陈晓峰" in banner.inner_text() and "海曙精密 ERP 升级" in banner.inner_text()
    assert page.locator("[data-testid=lead-edit]").count() == 0  # locked

    with org_scope(world.org):
        lead = Lead.objects.select_related("converted_customer", "converted_contact").get()
        assert lead.status == "converted"
        assert lead.converted_contact.customer == lead.converted_customer
        opportunity = Opportunity.objects.get(pk=lead.converted_opportunity_id)
        assert str(opportunity.amount) == "86000.00"
        assert opportunity.customer_id == lead.converted_customer_id

    page.click("[data-testid=converted-customer]")
    page.wait_for_url(f"**/customers/{lead.converted_customer_id}/**")
