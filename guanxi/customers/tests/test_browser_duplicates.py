"""Real-browser flow of the live duplicate warning on the customer form."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def huawei(world):
    with org_scope(world.org):
        return services.customer_create(actor=world.rep_a, name="北京华为技术有限公司")


def test_a_similar_name_on_the_create_form_warns_with_a_link_to_open(world, page, sign_in, huawei):
    sign_in(world.rep_a)
    page.goto("/customers/new/")
    name = page.locator("[data-testid=customer-form] input[name=name]")
    name.fill("华为技木（深圳）有限公司")
    name.press("Tab")  # the warning follows the field's change
    warning = page.locator("[data-testid=duplicate-warning]")
    warning.wait_for()
    match = warning.locator("[data-testid=duplicate-match]")
    assert match.count() == 1
    assert match.locator("[data-testid=duplicate-reason]").inner_text() == "名称相似"
    link = match.locator("[data-testid=open-duplicate]")
    assert link.inner_text() == "北京华为技术有限公司"
    assert link.get_attribute("href") == f"/customers/{huawei.pk}/"

    # another brand in the same city and trade: the warning goes away
    name.fill("北京联想技术有限公司")
    name.press("Tab")
    warning.wait_for(state="detached")


def test_a_similar_name_on_the_edit_form_offers_to_merge(world, page, sign_in, huawei):
    with org_scope(world.org):
        other = services.customer_create(actor=world.rep_a, name="深圳某某贸易有限公司")
    sign_in(world.manager)
    page.goto(f"/customers/{other.pk}/edit/")
    name = page.locator("[data-testid=customer-form] input[name=name]")
    name.fill("华为科技（深圳）有限公司")
    name.press("Tab")
    merge = page.locator("[data-testid=duplicate-warning] [data-testid=merge-duplicate]")
    merge.wait_for()
    merge.click()
    page.wait_for_selector("[data-testid=merge-form]")
    assert f"ids={other.pk},{huawei.pk}" in page.url
