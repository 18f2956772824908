"""The start page cards of the sales documents: 我的报价, 我的合同, 我的订单."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.orgs import policy
from guanxi.sales.contracts import selectors as contract_selectors
from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.tests import helpers as ch
from guanxi.sales.orders import selectors as order_selectors
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import order
from guanxi.sales.quotes import selectors as quote_selectors
from guanxi.sales.quotes.models import Quote
from guanxi.sales.quotes.tests import helpers as qh

pytestmark = pytest.mark.django_db


def _set(world, record, **fields):
    """Put a record in a state for the card (the flows that get it there have their own
    tests)."""
    with org_scope(world.org):
        type(record).with_deleted.filter(pk=record.pk).update(**fields)


def _days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def _quotes(world, actor=None):
    actor = actor or world.rep_a
    client = qh.customer(world, owner=actor)
    made = {key: qh.quote(world, actor, client=client) for key in
            ("draft", "pending", "expiring", "sent", "far", "superseded")}  # fmt: skip
    _set(world, made["pending"], status=Quote.Status.PENDING)
    _set(world, made["expiring"], status=Quote.Status.APPROVED, valid_until=_days(3))
    _set(world, made["sent"], status=Quote.Status.SENT, valid_until=_days(30))
    _set(world, made["far"], status=Quote.Status.APPROVED, valid_until=_days(30))
    _set(world, made["superseded"], status=Quote.Status.PENDING, superseded_at=timezone.now())
    return made


def _contracts(world, actor=None):
    actor = actor or world.rep_a
    client = ch.customer(world, owner=actor)
    made = {key: ch.contract(world, actor, client=client) for key in
            ("unsigned", "pending", "ending", "signed_later", "completed")}  # fmt: skip
    _set(world, made["pending"], status=Contract.Status.PENDING)
    _set(world, made["ending"], status=Contract.Status.EFFECTIVE, end_date=_days(10),
         signed_on=_days(-100))  # fmt: skip
    _set(world, made["signed_later"], status=Contract.Status.EFFECTIVE, end_date=_days(90),
         signed_on=_days(-10))  # fmt: skip
    _set(world, made["completed"], status=Contract.Status.COMPLETED)
    return made


def _orders(world, actor=None):
    actor = actor or world.rep_a
    client = ch.customer(world, owner=actor)
    made = {key: order(world, actor, client=client) for key in
            ("draft", "pending", "undelivered", "delivered")}  # fmt: skip
    _set(world, made["pending"], status=Order.Status.PENDING)
    _set(world, made["undelivered"], status=Order.Status.CONFIRMED,
         delivery_status=Order.Delivery.PARTLY)  # fmt: skip
    _set(world, made["delivered"], status=Order.Status.CONFIRMED,
         delivery_status=Order.Delivery.DELIVERED)  # fmt: skip
    return made


def _keys(card):
    return [(row.reason.key, row.record.pk) for row in card["rows"]]


def test_my_quotes_card_lists_what_waits_by_reason(world):
    made = _quotes(world)
    with org_scope(world.org):
        card = quote_selectors.my_quotes_needing_attention(employee=world.rep_a)
    assert _keys(card) == [
        ("pending", made["pending"].pk),
        ("expiring", made["expiring"].pk),
        ("sent", made["sent"].pk),
    ]
    assert [(reason.key, n) for reason, n in card["counts"]] == [
        ("pending", 1), ("expiring", 1), ("sent", 1),
    ]  # fmt: skip
    assert card["rows"][0].url == f"/quotes/{made['pending'].pk}/"


def test_my_contracts_card_lists_what_waits_by_reason(world):
    made = _contracts(world)
    with org_scope(world.org):
        card = contract_selectors.my_contracts_needing_attention(employee=world.rep_a)
    assert _keys(card) == [
        ("pending", made["pending"].pk),
        ("ending", made["ending"].pk),
        ("unsigned", made["unsigned"].pk),
    ]
    assert card["total"] == 3


def test_my_orders_card_lists_what_waits_by_reason(world):
    made = _orders(world)
    with org_scope(world.org):
        card = order_selectors.my_orders_needing_attention(employee=world.rep_a)
    assert _keys(card) == [
        ("pending", made["pending"].pk),
        ("undelivered", made["undelivered"].pk),
    ]


def test_counts_cover_the_rows_past_the_limit(world):
    """The rows stop at the limit; the counts still count every record."""
    client = qh.customer(world)
    for _index in range(4):
        _set(world, qh.quote(world, client=client), status=Quote.Status.SENT)
    with org_scope(world.org):
        card = quote_selectors.my_quotes_needing_attention(employee=world.rep_a, limit=2)
    assert len(card["rows"]) == 2
    assert [(reason.key, n) for reason, n in card["counts"]] == [("sent", 4)]
    assert card["total"] == 4


def test_each_card_costs_one_query_whatever_it_holds(world):
    with org_scope(world.org):
        policy.can(world.rep_a, "quotes.view")  # the employee's access, loaded once a request
    cards = (
        lambda: quote_selectors.my_quotes_needing_attention(employee=world.rep_a),
        lambda: contract_selectors.my_contracts_needing_attention(employee=world.rep_a),
        lambda: order_selectors.my_orders_needing_attention(employee=world.rep_a),
    )
    for card in cards:
        with org_scope(world.org), CaptureQueriesContext(connection) as empty:
            assert card() is None
        assert len(empty) == 1
    _quotes(world), _contracts(world), _orders(world)
    _quotes(world), _contracts(world), _orders(world)
    for card in cards:
        with org_scope(world.org), CaptureQueriesContext(connection) as full:
            assert card()["total"] >= 2
        assert len(full) == 1


def test_cards_show_only_the_employees_own_records_and_need_the_view_permission(world, web):
    _quotes(world), _contracts(world), _orders(world)
    page = web(world.rep_a).get("/").content.decode()
    for key in ("quotes", "contracts", "orders"):
        assert f'data-testid="start-card-{key}"' in page
    assert 'data-testid="start-reason-expiring"' in page
    assert 'data-testid="start-reason-undelivered"' in page
    # the other rep and the manager own none of them: no card (the manager's scope
    # covers rep_a's records, but the cards are about one's own work)
    for other in (world.rep_b, world.manager):
        other_page = web(other).get("/").content.decode()
        for key in ("quotes", "contracts", "orders"):
            assert f'data-testid="start-card-{key}"' not in other_page
    # without the view permission no card, even for one's own records
    with org_scope(world.org):
        assert not policy.can(world.agent, "quotes.view")
        assert quote_selectors.my_quotes_needing_attention(employee=world.agent) is None


def test_the_start_page_costs_the_same_with_or_without_the_sales_cards(world, web):
    """Each card costs its one query whether it shows or not: the page's budget grows by
    three with these cards, never with the records."""
    client = web(world.rep_a)
    client.get("/")
    with CaptureQueriesContext(connection) as without:
        page = client.get("/").content.decode()
    assert 'data-testid="start-card-quotes"' not in page
    _quotes(world), _contracts(world), _orders(world)
    _quotes(world), _contracts(world), _orders(world)
    with CaptureQueriesContext(connection) as full:
        page = client.get("/").content.decode()
    assert page.count('data-testid="start-row"') == 3 * 2 + 3 * 2 + 2 * 2
    assert len(full) == len(without)
