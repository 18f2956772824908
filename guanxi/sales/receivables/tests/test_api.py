"""The API: payment shape and allocation rules, error shapes (400/403/404/409/422) with
nothing changed after a refusal, ageing and statement endpoints, bounded queries."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.sales.receivables.models import Invoice, Payment, PaymentAllocation, Receivable
from guanxi.sales.receivables.tests.helpers import fresh, make_customer, make_receivable, pay

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


def _count(world, model):
    with org_scope(world.org):
        return model.objects.count()


def test_payment_matched_to_two_receivables(world, customer, api):
    first = make_receivable(world, customer, "1000")
    second = make_receivable(world, customer, "500")
    response = api(world.rep_a).post(
        "/api/v1/payments",
        {
            "customer": customer.pk,
            "amount": "1200.00",
            "received_at": "2026-12-02",
            "method": "transfer",
            "reference": "ICBC-778",
            "allocations": [
                {"receivable": first.pk, "amount": "1000"},
                {"receivable": second.pk, "amount": "150.5"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "1200.00"
    assert body["allocated_amount"] == "1150.50"
    assert body["unallocated_amount"] == "49.50"
    assert [a["receivable"] for a in body["allocations"]] == [first.pk, second.pk]
    receivable = api(world.rep_a).get(f"/api/v1/receivables/{second.pk}").json()
    assert receivable["paid_amount"] == "150.50" and receivable["status"] == "partly_paid"


def test_payment_to_another_orgs_receivable_is_400_naming_the_field(
    world, other_world, customer, api
):
    foreign_customer = make_customer(other_world, name="外组织客户", owner=other_world.admin)
    foreign = make_receivable(other_world, foreign_customer, "100")
    response = api(world.admin).post(
        "/api/v1/payments",
        {
            "customer": customer.pk,
            "amount": "100",
            "received_at": "2026-12-02",
            "allocations": [{"receivable": foreign.pk, "amount": "100"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "allocations" in response.json()["fields"]
    assert response.json()["code"] == "invalid"
    assert _count(world, Payment) == 0
    assert fresh(other_world, foreign).paid_amount == 0


def test_allocation_over_open_amount_is_422_and_nothing_changes(world, customer, api):
    first = make_receivable(world, customer, "100")
    response = api(world.admin).post(
        "/api/v1/payments",
        {
            "customer": customer.pk,
            "amount": "500",
            "received_at": "2026-12-02",
            "allocations": [{"receivable": first.pk, "amount": "150"}],
        },
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "allocation_exceeds_open"
    assert response.json()["detail"]
    assert _count(world, Payment) == 0 and _count(world, PaymentAllocation) == 0


def test_bad_input_is_400(world, customer, api):
    response = api(world.admin).post(
        "/api/v1/payments",
        {"customer": customer.pk, "amount": "-5", "received_at": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert "received_at" in response.json()["fields"]
    response = api(world.admin).post(
        "/api/v1/payments",
        {"customer": customer.pk, "amount": "-5", "received_at": "2026-12-02"},
        format="json",
    )
    assert response.status_code == 400
    assert "amount" in response.json()["fields"]
    assert _count(world, Payment) == 0


def test_allocate_credit_later_and_void(world, customer, api):
    payment = pay(world, customer, "800")
    receivable = make_receivable(world, customer, "500")
    client = api(world.rep_a)
    response = client.post(
        f"/api/v1/payments/{payment.pk}/allocate",
        {"allocations": [{"receivable": receivable.pk, "amount": "500"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["unallocated_amount"] == "300.00"
    # rep_a may not void (no delete), but may through the edit action
    assert client.delete(f"/api/v1/payments/{payment.pk}").status_code == 403
    response = client.post(f"/api/v1/payments/{payment.pk}/void", {"reason": "退票"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "voided"
    assert fresh(world, receivable).paid_amount == 0


def test_stale_version_is_409(world, customer, api):
    receivable = make_receivable(world, customer, "100")
    client = api(world.admin)
    assert (
        client.patch(
            f"/api/v1/receivables/{receivable.pk}", {"title": "一", "version": 1}, format="json"
        ).status_code
        == 200
    )
    response = client.patch(
        f"/api/v1/receivables/{receivable.pk}", {"title": "二", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert fresh(world, receivable).title == "一"


def test_cancel_paid_receivable_is_422(world, customer, api):
    receivable = make_receivable(world, customer, "100")
    pay(world, customer, "10", [(receivable, "10")])
    response = api(world.admin).post(
        f"/api/v1/receivables/{receivable.pk}/cancel", {}, format="json"
    )
    assert response.status_code == 422 and response.json()["code"] == "receivable_paid"
    assert fresh(world, receivable).status == Receivable.Status.PARTLY_PAID


def test_readonly_is_403_and_nothing_written(world, customer, api):
    receivable = make_receivable(world, customer, "100")
    client = api(world.readonly)
    assert client.get("/api/v1/receivables").status_code == 200
    response = client.post(
        "/api/v1/payments",
        {"customer": customer.pk, "amount": "100", "received_at": "2026-12-02"},
        format="json",
    )
    assert response.status_code == 403
    assert client.post(f"/api/v1/receivables/{receivable.pk}/cancel").status_code == 403
    assert _count(world, Payment) == 0
    assert fresh(world, receivable).status == Receivable.Status.OPEN


def test_invoice_number_duplicate_is_400(world, customer, api):
    client = api(world.admin)
    body = {
        "customer": customer.pk, "number": "04401", "type": "vat_ordinary", "amount": "106",
        "tax_amount": "6", "issued_on": "2026-12-01",
    }  # fmt: skip
    assert client.post("/api/v1/invoices", body, format="json").status_code == 201
    response = client.post("/api/v1/invoices", body, format="json")
    assert response.status_code == 400 and "number" in response.json()["fields"]
    assert _count(world, Invoice) == 1


def test_ageing_endpoint_is_scoped(world, customer, api):
    make_receivable(world, customer, "100", due="2026-11-01")  # 31 days overdue
    other = make_customer(world, name="远航科技", owner=world.rep_b)
    make_receivable(world, other, "50", due="2026-12-10")
    body = api(world.admin).get("/api/v1/receivables/ageing").json()
    assert body["totals"]["d31_60"] == "100.00" and body["totals"]["not_due"] == "50.00"
    mine = api(world.rep_b).get("/api/v1/receivables/ageing").json()
    assert [row["customer"] for row in mine["items"]] == [other.pk]


def test_statement_endpoint(world, customer, api):
    receivable = make_receivable(world, customer, "1000")
    pay(world, customer, "400", [(receivable, "400")])
    body = (
        api(world.admin)
        .get(
            "/api/v1/receivables/statement",
            {"customer": customer.pk, "start": "2026-12-01", "end": "2026-12-31"},
        )
        .json()
    )
    assert body["opening"] == "0.00" and body["closing"] == "600.00"
    assert len(body["lines"]) == 2
    bad = api(world.admin).get(
        "/api/v1/receivables/statement", {"customer": customer.pk, "start": "x"}
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("prefix", ["receivables", "payments", "invoices"])
def test_list_queries_do_not_grow(world, customer, api, prefix, django_assert_max_num_queries):
    def build(n):
        for index in range(n):
            receivable = make_receivable(world, customer, "100")
            pay(world, customer, "60", [(receivable, "60")])
            with org_scope(world.org):
                from guanxi.sales.receivables import services

                services.invoice_create(
                    actor=world.admin, customer=customer, number=f"N{prefix}{n}{index}",
                    amount="10", issued_on="2026-12-01", receivables=[receivable.pk],
                )  # fmt: skip

    client = api(world.admin)
    build(2)
    client.get(f"/api/v1/{prefix}")
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"/api/v1/{prefix}").status_code == 200
    build(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/api/v1/{prefix}")
    assert len(response.json()["items"]) >= 7


def test_payment_detail_queries_do_not_grow(world, customer, api, django_assert_max_num_queries):
    """A payment's detail costs the same number of queries whatever its allocations."""
    client = api(world.admin)
    rows = [make_receivable(world, customer, "10") for _ in range(6)]
    small = pay(world, customer, "10", [(rows[0], "10")])
    large = pay(world, customer, "50", [(row, "10") for row in rows[1:]])
    client.get(f"/api/v1/payments/{small.pk}")
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"/api/v1/payments/{small.pk}").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/api/v1/payments/{large.pk}").json()
    assert len(body["allocations"]) == 5
