"""A contract or an order made from a quote copies its customer, contact and lines; a
quote not yet approved (or refused by the customer) cannot be used."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.quotes import services as quote_services

pytestmark = pytest.mark.django_db


def _quote(world, *, submit=True):
    client = h.customer(world)
    item = h.product(world)
    with org_scope(world.org):
        quote = quote_services.quote_create(
            actor=world.rep_a,
            customer=client,
            title="网关报价",
            lines=[h.line(item, "3", "200", discount="5", tax_rate="13")],
        )
        if submit:
            quote_services.quote_submit(actor=world.rep_a, quote=quote)
            quote.refresh_from_db()
    return quote


def test_contract_from_an_approved_quote_copies_customer_and_lines(world, api):
    quote = _quote(world)
    # 3 × 200 less 5% = 570, tax 74.10 → 644.10
    response = api(world.rep_a).post(
        "/api/v1/contracts",
        {"quote": quote.pk, "payment_plan": [{"amount": "644.10", "due_date": "2027-01-31"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer"] == quote.customer_id
    assert data["quote"] == quote.pk
    assert data["title"] == "网关报价"
    assert data["total"] == "644.10"
    assert [line["discount"] for line in data["lines"]] == ["5.00"]


def test_order_from_an_approved_quote(world, api):
    quote = _quote(world)
    response = api(world.rep_a).post("/api/v1/orders", {"quote": quote.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == quote.customer_id
    assert response.json()["total"] == "644.10"


def test_a_draft_quote_cannot_be_used(world, api):
    quote = _quote(world, submit=False)
    response = api(world.rep_a).post("/api/v1/orders", {"quote": quote.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "quote_not_usable"


def test_an_older_revision_of_a_quote_cannot_be_used(world, api):
    quote = _quote(world)
    with org_scope(world.org):
        newer = quote_services.quote_revise(actor=world.rep_a, quote=quote)
    client = api(world.rep_a)
    before = client.get("/api/v1/orders").json()
    response = client.post("/api/v1/orders", {"quote": quote.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "quote_superseded"
    assert quote.code in response.json()["detail"] and newer.revision == quote.revision + 1
    assert client.get("/api/v1/orders").json() == before  # nothing made


def test_someone_elses_quote_is_not_found(world, api):
    quote = _quote(world)
    response = api(world.rep_b).post("/api/v1/contracts", {"quote": quote.pk}, format="json")
    assert response.status_code == 400
    assert "quote" in response.json()["fields"]


def test_the_contract_form_starts_from_the_quote(world, web):
    quote = _quote(world)
    page = web(world.rep_a).get(f"/contracts/new/?quote={quote.pk}")
    assert page.status_code == 200
    assert 'data-testid="contract-from-quote"' in page.content.decode()
    order_page = web(world.rep_a).get(f"/orders/new/?quote={quote.pk}")
    assert 'data-testid="order-from-quote"' in order_page.content.decode()
