"""The handover step the sales documents share: owner, department and version move,
each record is audited, and a handover of chosen customers moves only theirs."""

import pytest

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import org_scope
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity
from guanxi.sales.ownership import hand_over

pytestmark = pytest.mark.django_db


def test_hand_over_moves_owner_department_and_version_and_audits_each(world):
    first = make_opportunity(world, world.rep_a)
    other_customer = make_customer(world, world.rep_a, name="苏州工业园区电子有限公司")
    second = make_opportunity(world, world.rep_a, customer=other_customer, name="产线改造")
    with org_scope(world.org):
        mine = Opportunity.objects.filter(owner=world.rep_a)
        moved = hand_over(
            mine, to_employee=world.rep_b, customer_ids=[first.customer_id], actor=world.manager
        )
        assert moved == [first.pk]
        first_now, second_now = (Opportunity.objects.get(pk=o.pk) for o in (first, second))
        entries = list(
            ChangeRecord.objects.filter(
                object_id=str(first.pk), entity="opportunities.opportunity", action="update"
            )
        )
    assert (first_now.owner_id, first_now.owner_department_id) == (
        world.rep_b.pk,
        world.north.pk,
    )
    assert first_now.version == first.version + 1
    assert (second_now.owner_id, second_now.version) == (world.rep_a.pk, second.version)
    [entry] = entries
    assert entry.actor == world.manager
    assert entry.changes["owner"]["new"] == {"id": world.rep_b.pk, "repr": "李四"}


def test_hand_over_of_all_customers(world):
    make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        moved = hand_over(
            Opportunity.objects.filter(owner=world.rep_a),
            to_employee=world.rep_b,
            customer_ids=None,
            actor=world.manager,
        )
        assert len(moved) == 1
        assert not Opportunity.objects.filter(owner=world.rep_a).exists()
