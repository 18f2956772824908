"""What contracts and orders add to other modules: the customer page cards, global search
by code, follow-up targets, a customer merge and a handover."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import extensions
from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import order
from guanxi.search import selectors as search
from guanxi.workspace import targets

pytestmark = pytest.mark.django_db


def test_customer_page_loads_both_cards_after_the_page(world, web):
    contract = h.contract(world)
    page = web(world.rep_a).get(f"/customers/{contract.customer_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="contracts-card-loading"' in text
    assert 'data-testid="orders-card-loading"' in text


def test_codes_are_found_by_global_search_within_the_data_scope(world):
    contract = h.contract(world)
    draft = order(world)
    with org_scope(world.org):
        mine = search.search(employee=world.rep_a, query=contract.code)
        assert [hit.id for hit in mine if hit.kind == "contract"] == [contract.pk]
        assert [hit.id for hit in search.search(employee=world.rep_a, query=draft.code)
                if hit.kind == "order"] == [draft.pk]  # fmt: skip
        theirs = search.search(employee=world.rep_b, query=contract.code)
        assert not [hit for hit in theirs if hit.kind == "contract"]


def test_follow_up_targets_are_registered_and_scoped(world):
    contract = h.contract(world)
    with org_scope(world.org):
        target, record, problem = targets.find(world.rep_a, "contract", contract.pk)
        assert (record, problem) == (contract, None)
        assert target.customer(contract) == contract.customer_id
        assert targets.find(world.rep_b, "contract", contract.pk)[2] == "not_visible"
        assert targets.get("order") is not None


def test_merge_moves_contracts_and_orders_to_the_survivor(world):
    contract = h.contract(world)
    draft = order(world)
    survivor = h.customer(world, name="存续客户")
    kinds = {kind.key: kind for kind in extensions.related_kinds()}
    with org_scope(world.org):
        assert kinds["contracts"].count([contract.customer_id]) == 1
        kinds["contracts"].move([contract.customer_id], survivor, world.admin)
        kinds["orders"].move([draft.customer_id], survivor, world.admin)
        assert Contract.objects.get(pk=contract.pk).customer_id == survivor.pk
        assert Order.objects.get(pk=draft.pk).customer_id == survivor.pk


def test_handover_gives_open_documents_to_the_successor(world):
    contract = h.contract(world)
    draft = order(world)
    steps = {step.key: step for step in extensions.handover_steps()}
    with org_scope(world.org):
        assert steps["contracts"].move(world.rep_a, world.rep_b, None, world.admin) == 1
        assert steps["orders"].move(world.rep_a, world.rep_b, None, world.admin) == 1
        moved = Contract.objects.get(pk=contract.pk)
        assert (moved.owner_id, moved.owner_department_id) == (world.rep_b.pk, world.north.pk)
        assert Order.objects.get(pk=draft.pk).owner_id == world.rep_b.pk
