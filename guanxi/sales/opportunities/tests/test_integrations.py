"""What opportunities plug into: customer merge, handover, search, the start card."""

import datetime
from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity

pytestmark = pytest.mark.django_db


def test_merge_moves_opportunities_to_survivor(world):
    survivor = make_customer(world, world.manager, name="上海申通精密")
    merged = make_customer(world, world.manager, name="上海申通精密有限公司")
    opp = make_opportunity(world, world.manager, customer=merged)
    with org_scope(world.org):
        customer_services.customers_merge(
            actor=world.admin, survivor_id=survivor.pk, merged_ids=[merged.pk]
        )
        assert Opportunity.objects.get(pk=opp.pk).customer_id == survivor.pk


def test_handover_gives_open_opportunities_of_chosen_customers(world):
    kept = make_customer(world, world.rep_a, name="留下的客户")
    given = make_customer(world, world.rep_a, name="移交的客户")
    mine = make_opportunity(world, world.rep_a, customer=kept)
    handed = make_opportunity(world, world.rep_a, customer=given)
    closed = make_opportunity(world, world.rep_a, customer=given, name="已赢单")
    with org_scope(world.org):
        services.opportunity_win(actor=world.rep_a, opportunity=closed)
        moved = customer_services.customers_handover(
            actor=world.admin, from_employee=world.rep_a, to_employee=world.rep_b,
            customer_ids=[given.pk],
        )  # fmt: skip
        assert moved["opportunities"] == 1
        handed.refresh_from_db()
        assert handed.owner == world.rep_b and handed.owner_department == world.north
        assert handed.version == 2
        assert Opportunity.objects.get(pk=mine.pk).owner == world.rep_a
        assert Opportunity.objects.get(pk=closed.pk).owner == world.rep_a


def test_search_finds_by_code_and_name(world):
    from guanxi.search import selectors as search

    opp = make_opportunity(world, world.rep_a, name="智能仓储改造")
    with org_scope(world.org):
        for text in (opp.code, "智能仓储"):
            hits = search.search(employee=world.rep_a, query=text)
            assert ("opportunity", opp.pk) in {(h.kind, h.id) for h in hits}
        others = search.search(employee=world.rep_b, query="智能仓储")
        assert not any(h.kind == "opportunity" for h in others)


def test_my_pipeline_card_numbers(world):
    make_opportunity(world, world.rep_a, amount="1000", expected_close_date="2026-12-15")
    make_opportunity(world, world.rep_a, amount="3000", expected_close_date="2027-01-15")
    with org_scope(world.org):
        card = selectors.my_pipeline(world.rep_a, today=datetime.date(2026, 12, 3))
    assert card["count"] == 2 and card["amount"] == Decimal("4000.00")
    assert card["weighted"] == Decimal("400.00")
    assert card["month_count"] == 1 and card["month_amount"] == Decimal("1000.00")


def test_a_new_org_starts_with_its_default_pipeline(db):
    from guanxi.orgs.tests.factories import make_org
    from guanxi.sales.opportunities.models import Pipeline, Stage

    org, _admin = make_org()
    with org_scope(org):
        pipeline = Pipeline.objects.get(is_default=True)
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
    assert pipeline.name == "标准销售流程"
    assert [stage.probability for stage in stages] == [10, 30, 50, 70, 100, 0]
    assert [stage.kind for stage in stages][-2:] == [Stage.Kind.WON, Stage.Kind.LOST]
