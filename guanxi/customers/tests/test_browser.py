"""Real-browser flow of the customer screens."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Contact, Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_creates_a_customer_adds_a_contact_and_finds_it_by_pinyin(world, page, sign_in):
    sign_in(world.rep_a)
    page.goto("/customers/")
    page.click("[data-testid=new-customer]")
    form = page.locator("[data-testid=customer-form]")
    form.locator("input[name=name]").fill("杭州西湖茶业有限公司")
    form.locator("select[name=industry]").select_option(label="批发零售")
    form.locator("select[name=level]").select_option(label="重点客户")
    form.locator("input[name=phone]").fill("0571-8765 4321")
    form.locator("input[name=tags]").fill("茶叶，华东")
    form.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=customer-title]")
    assert page.inner_text("[data-testid=customer-title]") == "杭州西湖茶业有限公司"
    assert page.inner_text("[data-testid=fact-level]") == "重点客户"
    assert page.locator("[data-testid=no-contacts]").is_visible()

    contact_form = page.locator("[data-testid=contact-form]")
    contact_form.locator("input[name=name]").fill("陈静")
    contact_form.locator("input[name=title]").fill("采购主管")
    contact_form.locator("input[name=mobile]").fill("13612345678")
    contact_form.locator("[data-testid=add-contact]").click()
    row = page.locator("[data-testid=contact-row]")
    row.wait_for()
    assert row.locator("[data-testid=contact-name]").inner_text() == "陈静"
    assert row.locator("[data-testid=primary-badge]").is_visible()
    assert "136****5678" in row.inner_text()  # reps see masked numbers

    page.goto("/customers/")
    page.fill("[data-testid=filter-q]", "hzxh")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**/customers/?q=hzxh*")
    names = page.locator("[data-testid=customer-name]")
    assert names.all_inner_texts() == ["杭州西湖茶业有限公司"]

    with org_scope(world.org):
        customer = Customer.objects.get()
        assert customer.owner == world.rep_a and customer.tags == ["茶叶", "华东"]
        assert Contact.objects.get(customer=customer).title == "采购主管"
