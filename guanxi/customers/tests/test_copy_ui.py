"""The "复制" button of the customer page."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def original(world):
    with org_scope(world.org):
        return services.customer_create(
            actor=world.rep_a,
            name="宁波港城物流有限公司",
            phone="0574-8888 1234",
            industry="retail",
            tags=["物流"],
        )


def _copies(world):
    with all_orgs():
        return list(Customer.objects.filter(org=world.org, name__endswith="（副本）"))


def _page(client, customer, **extra):
    return client.get(f"/customers/{customer.pk}/", **extra).content.decode()


def test_button_shows_for_who_may_create_and_see_the_customer(world, web, original):
    assert 'data-testid="copy-customer"' in _page(web(world.rep_a), original)
    assert 'data-testid="copy-customer"' in _page(web(world.manager), original)
    # readonly sees the customers of its department but may not create customers
    with org_scope(world.org):
        sales = services.customer_create(actor=world.manager, name="销售部的客户")
    readonly_page = web(world.readonly).get(f"/customers/{sales.pk}/")
    assert readonly_page.status_code == 200
    assert 'data-testid="copy-customer"' not in readonly_page.content.decode()
    # rep_b may create customers but does not see rep_a's
    assert web(world.rep_b).get(f"/customers/{original.pk}/").status_code == 404


def test_copy_goes_to_the_new_customers_edit_form(world, web, original):
    client = web(world.rep_a)
    response = client.post(f"/customers/{original.pk}/copy/")
    [copy] = _copies(world)
    assert response.status_code == 302 and response.url == f"/customers/{copy.pk}/edit/"
    assert copy.name == "宁波港城物流有限公司（副本）" and copy.code != original.code
    assert copy.owner == world.rep_a and copy.industry == "retail" and copy.tags == ["物流"]
    page = client.get(response.url).content.decode()
    assert f"已复制为新客户“宁波港城物流有限公司（副本）”（{copy.code}）" in page


def test_without_edit_right_the_copy_opens_its_page(world, web, original):
    # the service agent may create customers and sees them all, but may not edit
    response = web(world.agent).post(f"/customers/{original.pk}/copy/")
    [copy] = _copies(world)
    assert response.url == f"/customers/{copy.pk}/" and copy.owner == world.agent


def test_copy_is_refused_without_the_right_or_the_scope(world, other_world, web, original):
    with org_scope(world.org):
        sales = services.customer_create(actor=world.manager, name="销售部的客户")
    assert web(world.readonly).post(f"/customers/{sales.pk}/copy/").status_code == 403
    assert web(world.rep_b).post(f"/customers/{original.pk}/copy/").status_code == 404
    assert web(other_world.admin).post(f"/customers/{original.pk}/copy/").status_code == 404
    assert web(world.rep_a).get(f"/customers/{original.pk}/copy/").status_code == 405
    assert _copies(world) == []


def test_copy_of_a_deleted_customer_is_not_found(world, web, original):
    with org_scope(world.org):
        services.customer_delete(actor=world.manager, customer=original)
    assert web(world.manager).post(f"/customers/{original.pk}/copy/").status_code == 404
    assert _copies(world) == []


def test_copy_button_in_english(world, web, original):
    page = _page(web(world.rep_a), original, HTTP_ACCEPT_LANGUAGE="en")
    assert "> Copy</button>" in page
    response = web(world.rep_a).post(
        f"/customers/{original.pk}/copy/", HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "Copied as a new customer" in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rep_copies_a_customer_and_saves_the_copy(world, page, sign_in, original):
    sign_in(world.rep_a)
    page.goto(f"/customers/{original.pk}/")
    page.click("[data-testid=copy-customer]")
    page.wait_for_selector("[data-testid=customer-form]")
    form = page.locator("[data-testid=customer-form]")
    assert form.locator("input[name=name]").input_value() == "宁波港城物流有限公司（副本）"
    form.locator("input[name=name]").fill("宁波港城物流（舟山）有限公司")
    form.locator("[data-testid=save]").click()
    # same phone, same core name: the form asks to confirm it is another customer
    page.locator("[data-testid=allow-duplicate]").check()
    page.locator("[data-testid=customer-form] [data-testid=save]").click()
    page.wait_for_selector("[data-testid=customer-title]")
    assert page.inner_text("[data-testid=customer-title]") == "宁波港城物流（舟山）有限公司"
    with all_orgs():
        names = set(Customer.objects.filter(org=world.org).values_list("name", flat=True))
    assert names == {"宁波港城物流有限公司", "宁波港城物流（舟山）有限公司"}
