"""The demo seed: pipelines and opportunities at every stage, through the services;
running it again adds nothing."""

import pytest

from guanxi.catalog import demo as catalog_demo
from guanxi.core.tenancy import org_scope
from guanxi.customers import demo as customers_demo
from guanxi.sales.opportunities import demo
from guanxi.sales.opportunities.models import Opportunity, Pipeline, StageChange

pytestmark = pytest.mark.django_db


def test_seed_is_realistic_and_idempotent(world):
    with org_scope(world.org):
        catalog_demo.seed(world.admin)
        customers_demo.seed(world.admin)
        first = demo.seed(world.admin)
        assert first["pipelines"] == 2 and first["opportunities"] == 20
        statuses = set(Opportunity.objects.values_list("status", flat=True))
        assert statuses == {"open", "won", "lost"}
        assert Opportunity.objects.filter(lines__isnull=False).exists()
        lost = Opportunity.objects.filter(status="lost")
        assert all(o.lost_reason for o in lost)
        moved = StageChange.objects.filter(from_stage__isnull=False)
        assert moved.exists() and all(c.days_in_previous > 0 for c in moved)
        assert Pipeline.objects.filter(is_default=True).count() == 1
        again = demo.seed(world.admin)
        assert again == first
