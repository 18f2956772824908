"""Lifecycle stages: history, automatic transitions from events, counts per stage."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer, LifecycleChange

pytestmark = pytest.mark.django_db
Stage = Customer.Lifecycle


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return services.customer_create(actor=world.rep_a, name="生命周期客户")


@pytest.mark.parametrize(
    ("start", "event", "end"),
    [
        (Stage.TARGET, "opportunity", Stage.OPPORTUNITY),
        (Stage.OPPORTUNITY, "first_order", Stage.NEW),
        (Stage.NEW, "repeat_order", Stage.REPEAT),
        (Stage.REPEAT, "no_purchase", Stage.DORMANT),
        (Stage.DORMANT, "repeat_order", Stage.REPEAT),  # win-back
        (Stage.POTENTIAL, "deal_lost", Stage.LOST),
        (Stage.LOST, "first_order", Stage.NEW),
        (Stage.REPEAT, "deal_lost", Stage.REPEAT),  # a lost deal does not lose a customer
        (Stage.TARGET, "no_purchase", Stage.TARGET),
    ],
)
def test_events_move_the_customer_as_the_table_says(world, customer, start, event, end):
    with org_scope(world.org):
        Customer.objects.filter(pk=customer.pk).update(lifecycle_stage=start)
        changed = services.lifecycle_event(customer=customer, event=event)
        customer.refresh_from_db()
        assert customer.lifecycle_stage == end
        assert changed == (start != end)
        if changed:
            last = LifecycleChange.objects.filter(customer=customer).first()
            assert (last.from_stage, last.to_stage, last.reason) == (start, end, event)


def test_history_through_the_api_and_manual_changes(world, api, customer):
    client = api(world.rep_a)
    client.patch(
        f"/api/v1/customers/{customer.pk}", {"lifecycle_stage": "potential"}, format="json"
    )
    history = client.get(f"/api/v1/customers/{customer.pk}/lifecycle").json()
    assert [(h["from_stage"], h["to_stage"], h["reason"]) for h in history] == [
        ("target", "potential", "manual"),
        ("", "target", "created"),
    ]
    assert history[0]["actor"] == world.rep_a.pk
    assert api(world.rep_b).get(f"/api/v1/customers/{customer.pk}/lifecycle").status_code == 404


def test_counts_per_stage_within_scope(world, api, customer):
    with org_scope(world.org):
        services.customer_create(
            actor=world.manager, owner=world.rep_b, name="别人的", lifecycle_stage="repeat"
        )
    mine = api(world.rep_a).get("/api/v1/customers/lifecycle-counts").json()
    assert mine["target"] == 1 and mine["repeat"] == 0 and set(mine) == set(Stage.values)
    team = api(world.manager).get("/api/v1/customers/lifecycle-counts").json()
    assert team["target"] == 1 and team["repeat"] == 1
