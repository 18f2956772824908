"""Real-browser flow: an agent registers a customer's device with its serial number and
then finds it by that serial number in the global search."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.installed.models import InstalledProduct

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class InstalledPages:
    def __init__(self, page):
        self.page = page

    def create(self, *, customer, product, serial, install_date):
        self.page.goto(f"/installed-products/new/?customer={customer.pk}")
        form = self.page.locator("[data-testid=installed-form]")
        form.locator("select[name=product]").select_option(str(product.pk))
        form.locator("input[name=serial_number]").fill(serial)
        form.locator("input[name=install_date]").fill(install_date)
        form.locator("[data-testid=installed-save]").click()
        self.page.wait_for_selector("[data-testid=installed-title]")

    def search(self, text):
        box = self.page.locator("[data-testid=global-search]")
        box.fill(text)
        box.press("Enter")
        self.page.wait_for_selector("[data-testid=search-hit]")
        return self.page.locator("[data-testid=search-hit][data-kind=installed_product]")


def test_a_new_device_is_found_by_its_serial_number(world, page, sign_in):
    customer = h.customer(world, name="华东精密制造有限公司", owner=world.rep_a)
    product = h.product(world, name="数控机床控制器", code="CNC-100")
    sign_in(world.agent)
    pages = InstalledPages(page)
    pages.create(
        customer=customer, product=product, serial="SN2025CNC0042", install_date="2026-11-20"
    )
    assert page.locator("[data-testid=installed-serial]").inner_text().strip() == "SN2025CNC0042"
    assert page.locator("[data-testid=warranty-badge]").first.inner_text().strip() == "在保"
    hits = pages.search("CNC0042")
    assert hits.count() == 1 and "SN2025CNC0042" in hits.first.inner_text()
    hits.first.locator("a").first.click()
    page.wait_for_selector("[data-testid=installed-title]")
    with org_scope(world.org):
        made = InstalledProduct.objects.get(serial_number="SN2025CNC0042")
    assert page.url.endswith(f"/installed-products/{made.pk}/")
