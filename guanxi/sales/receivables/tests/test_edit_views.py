"""Editing a payment or an invoice on screen: only the descriptive fields change (the
rules of ``payment_update`` / ``invoice_update``), a stale form is refused, voided
records are read-only, and the pages are scoped and bounded in queries."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.sales.receivables import services
from guanxi.sales.receivables.models import Invoice, Payment
from guanxi.sales.receivables.tests.helpers import D, fresh, make_customer, make_receivable, pay

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def customer(world):
    return make_customer(world)


def _invoice(world, customer, receivables=(), number="04400001"):
    with org_scope(world.org):
        return services.invoice_create(
            actor=world.admin,
            customer=customer,
            number=number,
            amount="113",
            tax_amount="13",
            issued_on="2026-12-01",
            receivables=[r.pk for r in receivables],
        )


def _payment_post(payment, **changes):
    data = {
        "method": payment.method,
        "reference": payment.reference,
        "owner": payment.owner_id,
        "notes": payment.notes,
        "version": payment.version,
    }
    data.update(changes)
    return data


def test_payment_with_allocations_edits_its_descriptive_fields(world, customer, web):
    receivable = make_receivable(world, customer, "1000")
    payment = pay(world, customer, "600", [(receivable, "600")], reference="旧流水")
    client = web(world.rep_a)
    url = reverse("receivables:payment_edit", args=[payment.pk])
    detail = client.get(reverse("receivables:payment_detail", args=[payment.pk]))
    assert url in detail.content.decode()
    page = client.get(url).content.decode()
    assert 'data-testid="payment-fixed"' in page and "600.00" in page
    response = client.post(
        url,
        _payment_post(
            payment, method="cash", reference="ZH20261202", notes="补记", owner=world.rep_b.pk
        ),
    )
    assert response.status_code == 302
    saved = fresh(world, payment)
    assert (saved.method, saved.reference, saved.notes) == ("cash", "ZH20261202", "补记")
    assert saved.owner_id == world.rep_b.pk and saved.version == payment.version + 1
    # amount and allocations untouched
    assert saved.amount == D("600") and saved.allocated_amount == D("600")
    assert fresh(world, receivable).paid_amount == D("600")


def test_a_stale_payment_form_is_refused_and_writes_nothing(world, customer, web):
    payment = pay(world, customer, "100", reference="A")
    client = web(world.admin)
    url = reverse("receivables:payment_edit", args=[payment.pk])
    assert client.post(url, _payment_post(payment, reference="B")).status_code == 302
    response = client.post(url, _payment_post(payment, reference="C"))  # the old version
    assert response.status_code == 409
    assert "该记录已被他人修改" in response.content.decode()
    assert fresh(world, payment).reference == "B"


def test_bad_payment_input_is_shown_on_the_form(world, customer, web):
    payment = pay(world, customer, "100")
    response = web(world.admin).post(
        reverse("receivables:payment_edit", args=[payment.pk]),
        _payment_post(payment, method="barter", reference="x" * 101),
    )
    assert response.status_code == 400
    assert fresh(world, payment).reference == ""


def test_a_voided_payment_is_read_only(world, customer, web):
    payment = pay(world, customer, "100")
    with org_scope(world.org):
        services.payment_void(actor=world.admin, payment=payment, reason="重复登记")
    client = web(world.admin)
    assert (
        "payment-edit"
        not in client.get(reverse("receivables:payment_detail", args=[payment.pk])).content.decode()
    )
    url = reverse("receivables:payment_edit", args=[payment.pk])
    assert client.get(url).status_code == 302
    voided = fresh(world, payment)
    response = client.post(url, _payment_post(voided, notes="改"), follow=True)
    assert "已作废的回款不能修改" in response.content.decode()
    assert fresh(world, payment).notes == ""


def test_payment_edit_is_scoped_and_needs_the_edit_permission(world, other_world, customer, web):
    payment = pay(world, customer, "100")
    url = reverse("receivables:payment_edit", args=[payment.pk])
    assert web(other_world.admin).post(url, _payment_post(payment, notes="x")).status_code == 404
    assert web(world.rep_b).post(url, _payment_post(payment, notes="x")).status_code == 404
    assert web(world.readonly).post(url, _payment_post(payment, notes="x")).status_code == 403
    assert fresh(world, payment).notes == ""


def test_invoice_edit_changes_notes_owner_and_linked_receivables(world, customer, web):
    first = make_receivable(world, customer, "113")
    second = make_receivable(world, customer, "226")
    invoice = _invoice(world, customer, [first])
    client = web(world.admin)
    listing = client.get(reverse("receivables:invoice_list")).content.decode()
    url = reverse("receivables:invoice_edit", args=[invoice.pk])
    assert url in listing
    page = client.get(url).content.decode()
    assert f'value="{first.pk}" id="rv-{first.pk}" checked' in page
    assert f'value="{second.pk}" id="rv-{second.pk}">' in page
    response = client.post(
        url,
        {
            "owner": world.rep_b.pk,
            "notes": "客户要求改寄",
            "receivables": [second.pk],
            "version": invoice.version,
        },
    )
    assert response.status_code == 302
    with org_scope(world.org):
        saved = Invoice.objects.get(pk=invoice.pk)
        assert list(saved.receivables.all()) == [second]
    assert (saved.notes, saved.owner_id) == ("客户要求改寄", world.rep_b.pk)


def test_invoice_refusals_write_nothing(world, customer, web):
    first = make_receivable(world, customer, "113")
    other = make_receivable(world, make_customer(world, name="别家公司"), "50")
    invoice = _invoice(world, customer, [first])
    client = web(world.admin)
    url = reverse("receivables:invoice_edit", args=[invoice.pk])
    data = {"owner": world.admin.pk, "notes": "x", "version": invoice.version}
    # another customer's receivable
    response = client.post(url, {**data, "receivables": [other.pk]})
    assert response.status_code == 400 and "请选择该客户的应收款" in response.content.decode()
    # stale
    assert client.post(url, {**data, "version": invoice.version - 1}).status_code == 409
    with org_scope(world.org):
        saved = Invoice.objects.get(pk=invoice.pk)
        assert list(saved.receivables.all()) == [first] and saved.notes == ""
    # voided: read-only
    with org_scope(world.org):
        services.invoice_void(actor=world.admin, invoice=invoice)
    assert client.get(url).status_code == 302
    client.post(url, {**data, "version": fresh(world, invoice).version})
    assert fresh(world, invoice).notes == ""
    assert web(world.readonly).get(url).status_code == 403


def test_edit_pages_cost_a_fixed_number_of_queries(
    world, customer, web, django_assert_max_num_queries
):
    rows = [make_receivable(world, customer, "100") for _ in range(6)]
    payment = pay(world, customer, "600", [(row, "100") for row in rows])
    invoice = _invoice(world, customer, rows[:3])
    client = web(world.admin)
    for url in (
        reverse("receivables:payment_edit", args=[payment.pk]),
        reverse("receivables:invoice_edit", args=[invoice.pk]),
    ):
        client.get(url)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    assert fresh(world, payment).status == Payment.Status.VALID
