"""The contracts and orders demo seeds: records at every stage, and a second run adds
nothing."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts import demo as contracts_demo
from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders import demo as orders_demo
from guanxi.sales.orders.models import Order
from guanxi.sales.receivables.models import Receivable

pytestmark = pytest.mark.django_db


def test_demo_contracts_and_orders_at_every_stage(world):
    for number in range(8):
        h.customer(
            world, name=f"演示客户{number}", owner=world.rep_a if number % 2 else world.rep_b
        )
    for number, price in enumerate(("860", "45.5", "1200")):
        h.product(world, name=f"演示产品{number}", price=price)
    with org_scope(world.org):
        assert contracts_demo.seed(world.admin) == 4
        assert orders_demo.seed(world.admin) == 6
        statuses = set(Contract.objects.values_list("status", flat=True))
        assert statuses == {"effective", "completed", "pending", "draft"}
        assert Receivable.objects.filter(source_type="contract").exists()
        order_statuses = set(Order.objects.values_list("status", flat=True))
        assert order_statuses == {"confirmed", "draft", "pending"}
        counts = (Contract.objects.count(), Order.objects.count())
        assert contracts_demo.seed(world.admin) == 0
        assert orders_demo.seed(world.admin) == 0
        assert (Contract.objects.count(), Order.objects.count()) == counts
