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


def test_manager_merges_two_duplicates_from_the_list(world, page, sign_in):
    from guanxi.customers import services

    with org_scope(world.org):
        keep = services.customer_create(actor=world.rep_a, name="北京华为技术有限公司")
        dup = services.customer_create(
            actor=world.rep_a, name="华为技术（北京）有限公司", email="info@huawei.example"
        )
        services.contact_create(actor=world.rep_a, customer=dup, name="李娜")
    sign_in(world.manager)
    page.goto("/customers/")
    page.check(f"[data-testid=select-row][value='{keep.pk}']")
    page.check(f"[data-testid=select-row][value='{dup.pk}']")
    page.click("[data-testid=bulk-merge]")
    page.wait_for_selector("[data-testid=merge-form]")
    # keep the older record, but take the other one's name
    page.check(f"[data-testid=survivor-{keep.pk}]")
    page.click("[data-testid=change-survivor]")
    page.wait_for_selector("[data-testid=merge-field-name]")
    page.check(f"#pick-name-{dup.pk}")
    assert "1" in page.inner_text("[data-testid=merge-related]")
    page.click("[data-testid=merge-submit]")
    page.wait_for_url(f"**/customers/{keep.pk}/")
    assert page.inner_text("[data-testid=customer-title]") == "华为技术（北京）有限公司"
    assert page.locator("[data-testid=contact-name]").all_inner_texts() == ["李娜"]
    assert page.locator("[data-testid=merge-history]").is_visible()
    # the old address of the merged-away customer leads to the survivor
    page.goto(f"/customers/{dup.pk}/")
    page.wait_for_url(f"**/customers/{keep.pk}/")
    with org_scope(world.org):
        assert Customer.objects.get(pk=keep.pk).email == "info@huawei.example"
