"""The receivables screens: lists and details with bounded queries, recording a payment
with allocation rows, invoices, ageing, the statement page and its downloads."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from guanxi.core.tenancy import org_scope
from guanxi.sales.receivables.models import Invoice, Payment, Receivable
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


def _many(world, customer, count):
    rows = [make_receivable(world, customer, "100", due="2026-11-01") for _ in range(count)]
    for row in rows:
        pay(world, customer, "50", [(row, "50")])
    return rows


def _max_queries(web, url, django_assert_max_num_queries, employee, limit=30):
    client = web(employee)
    client.get(url)  # warm caches (sessions, settings)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "name", ["receivable_list", "payment_list", "invoice_list", "ageing", "statement"]
)
def test_list_pages_query_count_does_not_grow(
    world, customer, web, name, django_assert_max_num_queries
):
    """Adding rows does not add queries to list pages."""
    _many(world, customer, 2)
    url = reverse(f"receivables:{name}") + f"?customer={customer.pk}"
    client = web(world.admin)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many(world, customer, 6)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries)
    _max_queries(web, url, django_assert_max_num_queries, world.admin)


def test_detail_pages_bounded(world, customer, web, django_assert_max_num_queries):
    rows = _many(world, customer, 3)
    payment = pay(world, customer, "300", [(rows[0], "50"), (rows[1], "50"), (rows[2], "50")])
    response = _max_queries(
        web, reverse("receivables:payment_detail", args=[payment.pk]),
        django_assert_max_num_queries, world.admin,
    )  # fmt: skip
    assert response.content.decode().count('data-testid="payment-allocation"') == 3
    _max_queries(
        web, reverse("receivables:receivable_detail", args=[rows[0].pk]),
        django_assert_max_num_queries, world.admin,
    )  # fmt: skip


def test_record_payment_with_allocation_rows(world, customer, web):
    first = make_receivable(world, customer, "1000", due="2026-11-30")
    second = make_receivable(world, customer, "500", due="2026-12-31")
    client = web(world.rep_a)
    rows = client.get(reverse("receivables:allocation_rows"), {"customer": customer.pk})
    assert rows.content.decode().count('data-testid="allocation-row"') == 2
    response = client.post(
        reverse("receivables:payment_create"),
        {
            "customer": customer.pk,
            "amount": "1600",
            "received_at": "2026-12-02",
            "method": "transfer",
            "reference": "=HYPERLINK()",
            f"alloc_{first.pk}": "1000",
            f"alloc_{second.pk}": "500",
        },
    )
    assert response.status_code == 302
    with org_scope(world.org):
        payment = Payment.objects.get()
    assert payment.allocated_amount == D("1500")
    assert fresh(world, first).status == Receivable.Status.PAID
    page = client.get(response["Location"]).content.decode()
    assert "100.00" in page  # the unallocated credit


def test_refused_payment_shows_errors_and_writes_nothing(world, customer, web):
    first = make_receivable(world, customer, "100")
    response = web(world.rep_a).post(
        reverse("receivables:payment_create"),
        {
            "customer": customer.pk,
            "amount": "50",
            "received_at": "2026-12-02",
            "method": "transfer",
            f"alloc_{first.pk}": "80",
        },
    )
    assert response.status_code == 400
    with org_scope(world.org):
        assert not Payment.objects.exists()


def test_customer_options_are_scoped(world, customer, web):
    make_customer(world, name="华星北方分公司", owner=world.rep_b)
    page = web(world.rep_a).get(reverse("receivables:customer_options"), {"q": "华星"})
    text = page.content.decode()
    assert customer.name in text and "华星北方分公司" not in text


def test_invoice_create_and_void(world, customer, web):
    receivable = make_receivable(world, customer, "113")
    client = web(world.admin)
    response = client.post(
        reverse("receivables:invoice_create") + f"?customer={customer.pk}",
        {
            "customer": customer.pk,
            "number": "04400999",
            "type": "vat_special",
            "amount": "113",
            "tax_amount": "13",
            "issued_on": "2026-12-01",
            "receivables": [receivable.pk],
        },
    )
    assert response.status_code == 302
    with org_scope(world.org):
        invoice = Invoice.objects.get()
        assert list(invoice.receivables.all()) == [receivable]
    client.post(reverse("receivables:invoice_void", args=[invoice.pk]))
    assert fresh(world, invoice).status == Invoice.Status.VOIDED


def test_statement_downloads(world, customer, web):
    customer.name = "=华星"
    with org_scope(world.org):
        customer.save(update_fields=["name"])
    first = make_receivable(world, customer, "1000", title="-合同首款")
    pay(world, customer, "400", [(first, "400")], reference="@bank")
    client = web(world.admin)
    query = f"?customer={customer.pk}&start=2026-12-01&end=2026-12-31"
    page = client.get(reverse("receivables:statement") + query).content.decode()
    assert "600.00" in page
    xlsx = client.get(reverse("receivables:statement_xlsx") + query)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "'=华星" in values and "'-合同首款" in values and "'@bank" in values
    assert 600 in values  # the closing balance
    pdf = client.get(reverse("receivables:statement_pdf") + query)
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "客户对账单" in text and "600.00" in text


def test_other_org_and_other_rep_get_404(world, other_world, customer, web):
    receivable = make_receivable(world, customer, "100")
    payment = pay(world, customer, "100")
    outsider = web(other_world.admin)
    assert (
        outsider.get(reverse("receivables:receivable_detail", args=[receivable.pk])).status_code
        == 404
    )
    rep_b = web(world.rep_b)
    assert rep_b.get(reverse("receivables:payment_detail", args=[payment.pk])).status_code == 404
    assert rep_b.post(reverse("receivables:payment_void", args=[payment.pk])).status_code == 404
    assert fresh(world, payment).status == Payment.Status.VALID


def test_readonly_cannot_open_create_forms(world, web):
    client = web(world.readonly)
    assert client.get(reverse("receivables:payment_create")).status_code == 403
    assert client.get(reverse("receivables:receivable_list")).status_code == 200
