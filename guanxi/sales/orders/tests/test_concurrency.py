"""Confirming the same order from two places at once (two tabs, the API and the screen):
the order row is locked first, so exactly one confirmation goes through — one lifecycle
event for the customer, one receivable — and the other is refused as already confirmed.

Real threads on separate connections: PostgreSQL only (SQLite serialises writers on the
file lock, so the race these tests guard against cannot happen there)."""

import pytest

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import LifecycleChange
from guanxi.sales.orders import services
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import order
from guanxi.sales.receivables.models import Receivable
from guanxi.sales.tests.threads import POSTGRES_ONLY, at_once

pytestmark = [pytest.mark.django_db(transaction=True), POSTGRES_ONLY]


def test_two_confirmations_of_one_order_confirm_it_once(world):
    draft = order(world, price="2000")

    def confirm(_n):
        with org_scope(world.org):
            return services.order_confirm(actor=world.rep_a, order=draft).status

    results, errors = at_once(2, confirm)
    assert results == [Order.Status.CONFIRMED]
    assert len(errors) == 1 and isinstance(errors[0], BusinessRuleError)
    assert errors[0].code == "order_already_confirmed"
    with org_scope(world.org):
        assert Order.objects.get(pk=draft.pk).status == Order.Status.CONFIRMED
        events = LifecycleChange.objects.filter(
            customer_id=draft.customer_id, reason__in=("first_order", "repeat_order")
        )
        assert events.count() == 1
        receivables = Receivable.objects.filter(source_type="order", source_id=draft.pk)
        assert [str(r.amount.normalize()) for r in receivables] == ["2E+3"]


def test_many_confirmations_of_many_orders_each_confirm_once(world):
    """Four threads race over the same three orders of one customer: every order is
    confirmed once, the customer gets one first-order event and then repeat orders."""
    drafts = [order(world, price="100")]
    drafts += [order(world, price="100", client=drafts[0].customer) for _ in range(2)]

    def confirm_all(_n):
        confirmed = 0
        for draft in drafts:
            try:
                with org_scope(world.org):
                    services.order_confirm(actor=world.rep_a, order=draft)
                confirmed += 1
            except BusinessRuleError as exc:
                assert exc.code == "order_already_confirmed"
        return confirmed

    results, errors = at_once(4, confirm_all)
    assert not errors and sum(results) == 3
    with org_scope(world.org):
        ids = [d.pk for d in drafts]
        assert Receivable.objects.filter(source_type="order", source_id__in=ids).count() == 3
        reasons = list(
            LifecycleChange.objects.filter(
                customer_id=drafts[0].customer_id, reason__in=("first_order", "repeat_order")
            ).values_list("reason", flat=True)
        )
        assert reasons.count("first_order") == 1
