"""Shared builders for the receivables tests."""

import datetime
from decimal import Decimal

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.receivables import services


def make_customer(world, *, name="华星贸易有限公司", owner=None):
    owner = owner or world.rep_a
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.admin, name=name, owner=owner)


def make_receivable(world, customer, amount="1000", *, due="2026-12-31", actor=None, **extra):
    extra.setdefault("source_type", "manual")
    extra.setdefault("title", "货款")
    with org_scope(world.org):
        return services.receivable_create(
            actor=actor or world.admin,
            customer=customer,
            amount=amount,
            due_date=due,
            **extra,
        )


def pay(world, customer, amount, allocations=(), *, actor=None, day="2026-12-02", **extra):
    with org_scope(world.org):
        return services.payment_create(
            actor=actor or world.admin,
            customer=customer,
            amount=amount,
            received_at=day,
            allocations=[{"receivable": r.pk, "amount": str(a)} for r, a in allocations],
            **extra,
        )


def fresh(world, record):
    with org_scope(world.org):
        return type(record).objects.get(pk=record.pk)


def D(value):
    return Decimal(str(value))


DAY = datetime.date(2026, 12, 2)
