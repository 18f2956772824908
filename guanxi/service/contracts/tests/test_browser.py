"""Real-browser flow: a service manager writes a service contract for a customer's
device (choosing the customer loads the device picker), signs it, and the device's page
then shows the contract as its entitlement: free service with the promised response."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.installed.tests.helpers import item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ContractPages:
    def __init__(self, page):
        self.page = page

    def create(self, *, customer, device_label, title, first_response):
        self.page.goto("/service-contracts/new/")
        form = self.page.locator("[data-testid=contract-form]")
        form.locator("input[name=title]").fill(title)
        with self.page.expect_response(lambda r: "/service-contracts/coverage/" in r.url):
            form.locator("[data-testid=contract-customer]").select_option(str(customer.pk))
        self.page.get_by_label(device_label).check()
        form.locator("input[name=first_response_minutes]").fill(first_response)
        form.locator("[data-testid=contract-save]").click()
        self.page.wait_for_selector("[data-testid=contract-activate]")

    def activate(self):
        self.page.click("[data-testid=contract-activate]")
        self.page.wait_for_selector("[data-testid=contract-renew]")


def test_a_signed_contract_is_the_devices_entitlement(world, page, sign_in):
    customer = h.customer(world, name="南方电力设备有限公司", owner=world.rep_a)
    device = item(world, client=customer, serial="SN2025PWR0007", install_date="2020-05-01")
    sign_in(world.admin)
    page.goto(f"/installed-products/{device.pk}/")
    kind = page.locator("[data-testid=entitlement-kind]")
    kind.wait_for()
    assert kind.inner_text().strip() == "无保障"  # out of warranty, nothing else
    pages = ContractPages(page)
    pages.create(
        customer=customer,
        device_label=str(device),
        title="2027年度维保合同",
        first_response="30",
    )
    pages.activate()
    with org_scope(world.org):
        made = ServiceContract.objects.get(title="2027年度维保合同")
    assert made.status == "active"
    page.goto(f"/installed-products/{device.pk}/")
    page.locator("[data-testid=entitlement-kind]").wait_for()
    assert page.locator("[data-testid=entitlement-kind]").inner_text().strip() == "服务合同"
    assert page.locator("[data-testid=entitlement-link]").inner_text().strip() == made.code
    assert page.locator("[data-testid=entitlement-fee]").inner_text().strip() == "免费"
    assert "30" in page.locator("[data-testid=entitlement-explanation]").inner_text()
    history = page.locator("[data-testid=history-service_contracts]")
    assert made.code in history.inner_text()
