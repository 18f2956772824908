"""Real-browser flows: a rep corrects the bank reference and method of a payment already
matched to a receivable (its allocations stay); an accountant links an issued invoice to
another receivable of the customer and adds a note."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.receivables import services
from guanxi.sales.receivables.models import Invoice, Payment
from guanxi.sales.receivables.tests.helpers import D, make_customer, make_receivable, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class PaymentEditPage:
    def __init__(self, page):
        self.page = page

    def open_from_detail(self, payment):
        self.page.goto(f"/receivables/payments/{payment.pk}/")
        self.page.click("[data-testid=payment-edit]")
        self.page.wait_for_selector("[data-testid=payment-edit-form]")

    def save(self):
        self.page.click("[data-testid=payment-edit-save]")
        self.page.wait_for_selector("[data-testid=payment-facts]")


def test_rep_corrects_a_matched_payment(world, page, sign_in):
    customer = make_customer(world, name="西湖茶业有限公司")
    receivable = make_receivable(world, customer, "3000", title="合同首款")
    payment = pay(world, customer, "3000", [(receivable, "3000")], reference="ICBC-01")

    sign_in(world.rep_a)
    screen = PaymentEditPage(page)
    screen.open_from_detail(payment)
    page.fill("input[name=reference]", "ICBC-20261202-07")
    page.select_option("select[name=method]", "cash")
    screen.save()
    assert "ICBC-20261202-07" in page.inner_text("[data-testid=payment-facts]")
    assert page.locator("[data-testid=payment-allocation]").count() == 1

    with org_scope(world.org):
        saved = Payment.objects.get(pk=payment.pk)
    assert (saved.reference, saved.method) == ("ICBC-20261202-07", "cash")
    assert saved.allocated_amount == D("3000")


def test_invoice_is_linked_to_another_receivable(world, page, sign_in):
    customer = make_customer(world, name="西湖茶业有限公司")
    first = make_receivable(world, customer, "113", title="合同首款")
    second = make_receivable(world, customer, "226", title="合同尾款")
    with org_scope(world.org):
        invoice = services.invoice_create(
            actor=world.admin, customer=customer, number="04400777", amount="113",
            tax_amount="13", issued_on="2026-12-01", receivables=[first.pk],
        )  # fmt: skip

    sign_in(world.admin)
    page.goto(f"/receivables/invoices/?q={invoice.number}")
    page.click("[data-testid=invoice-edit]")
    page.wait_for_selector("[data-testid=invoice-edit-form]")
    page.check(f"#rv-{second.pk}")
    page.fill("textarea[name=notes]", "尾款一并开票")
    page.click("[data-testid=invoice-edit-save]")
    page.wait_for_url("**/receivables/invoices/?q=04400777")
    assert second.code in page.inner_text("main")

    with org_scope(world.org):
        saved = Invoice.objects.get(pk=invoice.pk)
        assert {r.pk for r in saved.receivables.all()} == {first.pk, second.pk}
    assert saved.notes == "尾款一并开票"
