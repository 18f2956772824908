"""Payments matched to the same receivable at the same moment never over-allocate it:
the receivables are locked (in id order) before their open amount is read, so the later
allocation sees what the earlier one took and is refused when it no longer fits.

Real threads on separate connections: PostgreSQL only (SQLite serialises writers on the
file lock, so the race these tests guard against cannot happen there)."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.sales.receivables import services
from guanxi.sales.receivables.models import PaymentAllocation, Receivable
from guanxi.sales.receivables.tests.helpers import make_customer, make_receivable, pay
from guanxi.sales.tests.threads import POSTGRES_ONLY, at_once

pytestmark = [pytest.mark.django_db(transaction=True), POSTGRES_ONLY]


def _state(world, receivable):
    with org_scope(world.org):
        fresh = Receivable.objects.get(pk=receivable.pk)
        allocated = PaymentAllocation.objects.filter(receivable_id=receivable.pk).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0")
    return fresh, allocated


def test_new_payments_racing_for_one_receivable_never_over_allocate(world):
    """Four payments of 300 each, recorded at once against a receivable of 1,000:
    three fit, the fourth is refused (and not recorded at all)."""
    customer = make_customer(world)
    receivable = make_receivable(world, customer, "1000")

    def record(n):
        with org_scope(world.org):
            return services.payment_create(
                actor=world.admin,
                customer=customer,
                amount="300",
                received_at="2026-12-01",
                allocations=[{"receivable": receivable.pk, "amount": "300"}],
                reference=f"并发{n}",
            )

    results, errors = at_once(4, record)
    assert len(results) == 3 and len(errors) == 1
    assert isinstance(errors[0], BusinessRuleError)
    assert errors[0].code == "allocation_exceeds_open"
    fresh, allocated = _state(world, receivable)
    assert allocated == fresh.paid_amount == Decimal("900")
    assert fresh.status == Receivable.Status.PARTLY_PAID


def test_credit_allocated_from_two_payments_at_once_never_over_allocates(world):
    """Two payments already recorded as credit, each matched to the same receivable at
    the same moment for more than half of it: one goes through, the other is refused
    and keeps its credit."""
    customer = make_customer(world)
    receivable = make_receivable(world, customer, "1000")
    credits = [pay(world, customer, "600"), pay(world, customer, "600")]

    def allocate(n):
        with org_scope(world.org):
            return services.payment_allocate(
                actor=world.admin,
                payment=credits[n],
                allocations=[{"receivable": receivable.pk, "amount": "600"}],
            )

    results, errors = at_once(2, allocate)
    assert len(results) == 1 and len(errors) == 1
    assert errors[0].code == "allocation_exceeds_open"
    fresh, allocated = _state(world, receivable)
    assert allocated == fresh.paid_amount == Decimal("600")
    with org_scope(world.org):
        loser = next(p for p in credits if p.pk != results[0].pk)
        assert not PaymentAllocation.objects.filter(payment_id=loser.pk).exists()
