"""Real-browser flow: a rep records a payment for a customer, picks the customer by
search, gets the customer's open receivables as allocation rows, matches the payment to
two of them and sees the allocations and the credit left on the payment."""

import datetime

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.receivables.models import Payment, Receivable
from guanxi.sales.receivables.tests.helpers import D, make_customer, make_receivable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class PaymentFormPage:
    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/receivables/payments/new/")
        self.page.wait_for_selector("[data-testid=payment-form]")

    def pick_customer(self, text, customer_id):
        self.page.fill("[data-testid=customer-search]", text)
        self.page.wait_for_selector(f"#id_customer option[value='{customer_id}']", state="attached")
        self.page.select_option("#id_customer", str(customer_id))
        self.page.wait_for_selector("[data-testid=allocation-row]")

    def fill_row(self, index):
        self.page.locator("[data-testid=allocation-row]").nth(index).locator(
            "[data-fill-allocation]"
        ).click()


def test_record_payment_matched_to_two_receivables(world, page, sign_in):
    customer = make_customer(world, name="西湖茶业有限公司")
    today = datetime.date.today()
    first = make_receivable(
        world,
        customer,
        "3000",
        due=(today - datetime.timedelta(days=5)).isoformat(),
        title="合同首款",
    )
    second = make_receivable(
        world,
        customer,
        "2000",
        due=(today + datetime.timedelta(days=20)).isoformat(),
        title="合同尾款",
    )

    sign_in(world.rep_a)
    form = PaymentFormPage(page)
    form.open()
    page.fill("[data-testid=payment-amount]", "5200")
    form.pick_customer("西湖茶业", customer.pk)
    assert page.locator("[data-testid=allocation-row]").count() == 2
    form.fill_row(0)
    form.fill_row(1)
    assert page.inner_text("[data-testid=allocation-total]") == "5000.00"
    page.fill("input[name=reference]", "ICBC-20261202-01")
    page.click("[data-testid=payment-save]")
    page.wait_for_selector("[data-testid=payment-allocations]")
    assert page.locator("[data-testid=payment-allocation]").count() == 2
    assert page.inner_text("[data-testid=payment-unallocated]") == "200.00"

    with org_scope(world.org):
        payment = Payment.objects.get()
        assert payment.allocated_amount == D("5000")
        assert Receivable.objects.get(pk=first.pk).status == Receivable.Status.PAID
        assert Receivable.objects.get(pk=second.pk).status == Receivable.Status.PAID
