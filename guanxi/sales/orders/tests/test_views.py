"""Order screens: list and detail budgets, the form (direct and from a contract), and
the confirm button showing the credit check's refusal with its figures."""

import json
from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import order, owes

pytestmark = pytest.mark.django_db


def test_list_and_detail_pages_keep_their_query_budget(world, web, django_assert_max_num_queries):
    for _ in range(2):
        order(world)
    client = web(world.rep_a)
    with django_assert_max_num_queries(16):
        assert client.get("/orders/").content.decode().count('data-testid="order-row"') == 2
    for _ in range(4):
        order(world)
    with django_assert_max_num_queries(16):
        assert client.get("/orders/").content.decode().count('data-testid="order-row"') == 6
    draft = order(world)
    with django_assert_max_num_queries(20):
        assert client.get(f"/orders/{draft.pk}/").status_code == 200


def test_direct_order_from_the_form(world, web):
    client_record = h.customer(world)
    item = h.product(world)
    response = web(world.rep_a).post(
        "/orders/new/",
        {
            "customer": client_record.pk,
            "payment_due_date": "2027-01-31",
            "lines_json": json.dumps([{"product": item.pk, "quantity": "3", "unit_price": "10"}]),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with org_scope(world.org):
        created = Order.objects.get(customer=client_record)
    assert created.total == Decimal("33.90")  # 30 + 13% tax (the product's rate)


def test_order_form_from_a_contract_prefills_its_lines(world, web):
    contract = h.contract(world)
    with org_scope(world.org):
        contract_services.contract_submit(actor=world.rep_a, contract=contract)
    page = web(world.rep_a).get(f"/orders/new/?contract={contract.pk}")
    assert page.status_code == 200
    assert 'data-testid="order-from-contract"' in page.content.decode()


def test_confirm_refused_shows_the_reason_with_figures(world, web):
    h.settings(world, credit_check_mode="refuse")
    client_record = h.customer(world, credit_limit=Decimal("1500"))
    owes(world, client_record, "800")
    draft = order(world, client=client_record)
    response = web(world.rep_a).post(f"/orders/{draft.pk}/confirm/", follow=True)
    text = response.content.decode()
    assert "超出信用额度" in text and "1,800.00" in text and "1,500.00" in text
    with org_scope(world.org):
        assert Order.objects.get(pk=draft.pk).status == Order.Status.DRAFT


def test_the_customer_card_lists_visible_orders(world, web):
    draft = order(world)
    response = web(world.rep_a).get(f"/orders/customer/{draft.customer_id}/card/")
    assert response.status_code == 200
    assert draft.code in response.content.decode()
