"""Builders of the order tests."""

import datetime

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders import services
from guanxi.sales.receivables import services as receivables


def order(world, actor=None, *, client=None, quantity="1", price="1000", **fields):
    """A draft direct order of ``actor`` (rep_a): one line of ``price`` without tax."""
    actor = actor or world.rep_a
    client = client or h.customer(world, owner=actor)
    item = h.product(world)
    with org_scope(world.org):
        return services.order_create(
            actor=actor,
            customer=client,
            lines=[h.line(item, quantity, price)],
            **fields,
        )


def owes(world, client, amount, *, days_ago=0):
    """An open receivable of ``client`` due ``days_ago`` days before today."""
    with org_scope(world.org):
        return receivables.receivable_create(
            actor=world.admin,
            customer=client,
            amount=amount,
            due_date=datetime.date.today() - datetime.timedelta(days=days_ago),
            source_type="manual",
            title="期初应收",
        )
