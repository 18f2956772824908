"""The demo seed: targets scaled to the demo's orders, snapshots, nothing twice."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.planning import demo
from guanxi.sales.planning.models import ForecastSnapshot, SalesTarget
from guanxi.sales.planning.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_seed_makes_targets_and_snapshots_once(world):
    h.order(world, world.rep_a, "600000", h.DAY.replace(month=11))
    h.opportunity(world, world.rep_b, "50000", h.DAY, 40)
    with org_scope(world.org):
        made = demo.seed(world.admin)
        assert made == 2 * 12 * 2 + 2 * 12  # two reps × 12 months × 2 measures, 2 departments
        rep_a = SalesTarget.objects.filter(employee=world.rep_a, measure="order_amount").first()
        assert rep_a.value == 58000  # 600,000 / 12 × 1.15, to the thousand
        assert ForecastSnapshot.objects.filter(subject_key="org").count() == 4
        assert demo.seed(world.admin) == 0
