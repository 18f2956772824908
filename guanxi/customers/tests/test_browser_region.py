"""Real-browser flow of the region picker on the customer form."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_region_is_picked_province_city_district_and_shown_again(world, page, sign_in):
    sign_in(world.rep_a)
    page.goto("/customers/new/")
    form = page.locator("[data-testid=customer-form]")
    form.locator("input[name=name]").fill("深圳南山软件有限公司")
    province = form.locator("select[data-region-level='0']")
    city = form.locator("select[data-region-level='1']")
    district = form.locator("select[data-region-level='2']")
    province.select_option(label="广东省")
    city.select_option(label="深圳市")
    district.select_option(label="南山区")
    assert form.locator("input[name=region]").input_value() == "广东省 深圳市 南山区"
    form.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=customer-title]")
    with org_scope(world.org):
        customer = Customer.objects.get()
    assert customer.region == "广东省 深圳市 南山区"

    page.goto(f"/customers/{customer.pk}/edit/")
    form = page.locator("[data-testid=customer-form]")
    district = form.locator("select[data-region-level='2']")
    district.wait_for()
    page.wait_for_function(
        "document.querySelector(\"select[data-region-level='2']\").selectedIndex > 0"
    )
    assert form.locator("select[data-region-level='0'] option:checked").inner_text() == "广东省"
    assert district.locator("option:checked").inner_text() == "南山区"
    # a municipality has its districts right under it; changing the province clears below
    form.locator("select[data-region-level='0']").select_option(label="北京市")
    assert form.locator("input[name=region]").input_value() == "北京市"
    form.locator("select[data-region-level='1']").select_option(label="海淀区")
    assert form.locator("select[data-region-level='2']").is_disabled()
    assert form.locator("input[name=region]").input_value() == "北京市 海淀区"
    # a place outside the list is typed as text
    form.locator("input[name=region]").fill("新加坡")
    form.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=customer-title]")
    with org_scope(world.org):
        customer.refresh_from_db()
    assert customer.region == "新加坡"
