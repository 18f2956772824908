"""Results as you type: the dropdown under the global search box."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(world):
    with org_scope(world.org):
        mine = services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
        services.customer_create(actor=world.rep_b, name="杭州钱塘机械有限公司")
    return mine


def test_suggestions_follow_the_data_scope(world, web, book):
    page = web(world.rep_a).get("/search/suggest/", {"q": "杭州"}).content.decode()
    assert "西湖茶业" in page and "钱塘机械" not in page
    assert 'data-testid="all-results"' in page
    assert (
        'data-testid="suggestion"'
        not in web(world.rep_a).get("/search/suggest/", {"q": "杭"}).content.decode()
    )
    nothing = web(world.rep_a).get("/search/suggest/", {"q": "不存在的名字"}).content.decode()
    assert 'data-testid="no-suggestions"' in nothing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_in_the_search_box_offers_the_customer(world, page, sign_in, book):
    sign_in(world.rep_a)
    page.goto("/")
    page.fill("[data-testid=global-search]", "hzxh")
    suggestion = page.locator("[data-testid=suggestion]").first
    suggestion.wait_for()
    assert "杭州西湖茶业有限公司" in suggestion.inner_text()
    suggestion.click()
    page.wait_for_url(f"**/customers/{book.pk}/")
