"""Real-browser flow: a call from an unknown number, "新建客户" on the call-centre
screen, the customer form opens with the caller's number in the phone field, and the
saved customer has it."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_customer_from_an_unknown_caller(world, page, sign_in):
    sign_in(world.admin)
    page.goto("/service/call?number=13788889999")
    page.locator("[data-testid=call-no-match]").wait_for()
    with page.expect_navigation():
        page.click("[data-testid=call-new-customer]")
    phone = page.locator("[name=phone]")
    assert phone.input_value() == "13788889999"
    page.fill("[name=name]", "来电新客户有限公司")
    with page.expect_navigation():
        page.locator("form [type=submit]").last.click()
    with org_scope(world.org):
        made = Customer.objects.get(name="来电新客户有限公司")
    assert made.phone == "13788889999"
