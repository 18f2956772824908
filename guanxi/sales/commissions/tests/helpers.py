"""Builders of the commissions tests: rules, products in product lines, confirmed orders
and their collections."""

import datetime
from decimal import Decimal

from guanxi.catalog.models import ProductLine
from guanxi.core.tenancy import org_scope
from guanxi.sales.commissions import services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders import services as orders
from guanxi.sales.receivables import services as receivables
from guanxi.sales.receivables.models import Receivable

PERIOD = "2026-05"
IN_PERIOD = datetime.date(2026, 5, 12)


def D(value):
    return Decimal(str(value))


def product_line(world, name="工业物联网"):
    with org_scope(world.org):
        found, _created = ProductLine.objects.get_or_create(org=world.org, name=name)
        return found


def product(world, name="工业网关", line=None):
    item = h.product(world, name=name)
    if line is not None:
        with org_scope(world.org):
            item.product_lines.add(line)
    return item


def rule(world, *, name="回款提成", basis="collected", tiers=(("0", "3"),), **fields):
    fields.setdefault("valid_from", "2026-01-01")
    with org_scope(world.org):
        return services.rule_create(
            actor=world.admin,
            name=name,
            basis=basis,
            tiers=[{"from_amount": start, "rate": rate} for start, rate in tiers],
            **fields,
        )


def order(world, owner, lines, *, day=IN_PERIOD):
    """A confirmed direct order of ``owner`` dated ``day``: ``lines`` = [(product, price)],
    no tax."""
    client = h.customer(world, name=f"客户{owner.pk}-{day.isoformat()}", owner=owner)
    with org_scope(world.org):
        made = orders.order_create(
            actor=world.admin,
            customer=client,
            lines=[h.line(item, "1", price) for item, price in lines],
            order_date=day,
            owner=owner,
        )
        return orders.order_confirm(actor=world.admin, order=made)


def collect(world, order, amount, *, day=IN_PERIOD):
    """A payment of ``amount`` allocated to the order's receivable, received on ``day``."""
    with org_scope(world.org):
        receivable = Receivable.objects.get(source_type="order", source_id=order.pk)
        return receivables.payment_create(
            actor=world.admin,
            customer=receivable.customer,
            amount=str(amount),
            received_at=day,
            allocations=[{"receivable": receivable.pk, "amount": str(amount)}],
        )


def generate(world, employee, period=PERIOD, actor=None):
    with org_scope(world.org):
        return services.statement_generate(
            actor=actor or world.admin, period=period, employee=employee
        )
