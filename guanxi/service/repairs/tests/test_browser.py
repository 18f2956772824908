"""Real-browser flow: a service agent takes in a repair for a customer in Shenzhen (the
outlet is chosen by region), adds parts priced from the fee list, moves it along, makes
the packing list of its parts and prints it."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.repairs import services
from guanxi.service.repairs.models import PackingList, Repair
from guanxi.service.repairs.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class RepairPages:
    def __init__(self, page):
        self.page = page

    def create(self, *, customer, fault):
        self.page.goto(f"/repairs/new/?customer={customer.pk}")
        form = self.page.locator("[data-testid=repair-form]")
        form.locator("[data-testid=repair-fault-description]").fill(fault)
        form.locator("[data-testid=repair-labour-hours]").fill("1.5")
        form.locator("[data-testid=repair-save]").click()
        self.page.wait_for_selector("[data-testid=repair-title]")

    def add_part(self, *, product, quantity):
        form = self.page.locator("[data-testid=repair-part-form]")
        form.locator("[data-testid=part-product]").select_option(str(product.pk))
        form.locator("[data-testid=part-quantity]").fill(quantity)
        form.locator("[data-testid=repair-part-add]").click()
        self.page.wait_for_load_state("domcontentloaded")

    def move(self, status):
        self.page.click(f"[data-testid=repair-to-{status}]")
        self.page.wait_for_load_state("domcontentloaded")

    def status(self):
        return self.page.locator("[data-testid=repair-status]").first.inner_text().strip()


def test_create_a_repair_with_parts_and_print_the_packing_list(world, page, sign_in):
    fee = h.fee_list(world, labour_rate="100", call_out_fee="0")
    compressor = h.product(world, name="压缩机", price="500", code="YSJ-1")
    # the fee list's own part price beats the product's
    with org_scope(world.org):
        services.fee_list_set_item(
            actor=world.admin, fee_list=fee, product=compressor.pk, price="420"
        )
    h.outlet(world, code="SZ", name="深圳服务中心", coverage=["广东省"], fee=fee)
    client = h.customer(world, name="南山制冷设备有限公司")
    sign_in(world.agent)
    pages = RepairPages(page)
    pages.create(customer=client, fault="压缩机不启动")
    assert "深圳服务中心" in page.locator("[data-testid=repair-outlet]").inner_text()
    assert "广东省" in page.locator("[data-testid=repair-outlet-reason]").inner_text()
    pages.add_part(product=compressor, quantity="2")
    assert page.locator("[data-testid=repair-part]").count() == 1
    assert page.locator("[data-testid=fee-parts]").inner_text().strip() == "840.00"
    assert page.locator("[data-testid=fee-labour]").inner_text().strip() == "150.00"
    assert page.locator("[data-testid=fee-total]").inner_text().startswith("990.00")
    pages.move("diagnosing")
    assert pages.status() == "检测中"
    page.click("[data-testid=repair-pack]")
    page.wait_for_selector("[data-testid=packing-title]")
    assert page.locator("[data-testid=packing-line]").count() == 1
    page.click("[data-testid=packing-print]")
    page.wait_for_selector("[data-testid=letterhead]")
    assert page.locator("[data-testid=sheet-line]").count() == 1
    assert "南山制冷设备有限公司" in page.locator("[data-testid=sheet-ship-to]").inner_text()
    assert page.locator("[data-testid=print-button]").is_visible()
    with org_scope(world.org):
        repair = Repair.objects.get()
        assert PackingList.objects.get().repair == repair
        assert repair.total == 990
