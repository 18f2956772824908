"""Opportunity services: creation, stage moves, history, won/lost rules."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Opportunity, Pipeline, Stage, StageChange
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity, stage_named

pytestmark = pytest.mark.django_db


def test_create_defaults_to_default_pipeline_first_stage(world):
    """A new org's first opportunity makes the standard pipeline; the opportunity starts in
    its first stage with that stage's probability, owned by the creator."""
    opp = make_opportunity(world, world.rep_a, amount="120000.456")
    with org_scope(world.org):
        pipeline = Pipeline.objects.get(is_default=True)
        names = list(pipeline.stages.values_list("name", "probability", "kind"))
        assert names == [
            ("初步接洽", 10, "open"),
            ("需求确认", 30, "open"),
            ("方案报价", 50, "open"),
            ("商务谈判", 70, "open"),
            ("赢单", 100, "won"),
            ("输单", 0, "lost"),
        ]
        opp.refresh_from_db()
        assert opp.stage.name == "初步接洽"
        assert opp.probability == 10
        assert opp.amount == Decimal("120000.46")
        assert opp.currency == "CNY"
        assert opp.owner == world.rep_a
        assert opp.owner_department == world.east
        assert opp.status == "open"
        assert opp.code
        history = list(StageChange.objects.filter(opportunity=opp))
        assert len(history) == 1 and history[0].from_stage is None
        assert history[0].days_in_previous is None


def test_create_emits_opportunity_lifecycle_event(world):
    customer = make_customer(world, world.rep_a)
    make_opportunity(world, world.rep_a, customer=customer)
    with org_scope(world.org):
        assert Customer.objects.get(pk=customer.pk).lifecycle_stage == "opportunity"


def test_create_refuses_bad_input_and_writes_nothing(world):
    customer = make_customer(world, world.rep_a)
    other = make_customer(world, world.rep_a, name="北方重工集团")
    with org_scope(world.org):
        contact = other.contacts.create(org_id=world.org.pk, name="王工")
        with pytest.raises(ValidationError) as exc:
            services.opportunity_create(
                actor=world.rep_a,
                customer=customer,
                name="",
                amount="-5",
                probability=101,
                contact=contact,
                expected_close_date="2026-13-01",
            )
        assert set(exc.value.message_dict) == {
            "name", "amount", "probability", "contact", "expected_close_date",
        }  # fmt: skip
        assert not Opportunity.with_deleted.exists()


def test_create_for_invisible_customer_is_refused(world):
    customer = make_customer(world, world.rep_b)
    with org_scope(world.org), pytest.raises(ValidationError) as exc:
        services.opportunity_create(actor=world.rep_a, customer=customer, name="x")
    assert "customer" in exc.value.message_dict


def test_assigning_to_someone_else_needs_transfer(world):
    customer = make_customer(world, world.rep_a)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.opportunity_create(
            actor=world.rep_a, customer=customer, name="x", owner=world.rep_b
        )
    opp = make_opportunity(world, world.manager, owner=world.rep_b)
    assert opp.owner_department == world.north


def test_readonly_cannot_create(world):
    customer = make_customer(world, world.admin)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.opportunity_create(actor=world.readonly, customer=customer, name="x")


def test_move_records_history_with_days_in_previous_stage(world):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        target = stage_named(opp.pipeline, "方案报价")
        with time_machine.travel(
            datetime.datetime(2026, 11, 4, 21, tzinfo=datetime.UTC), tick=False
        ):
            opp = services.opportunity_move(
                actor=world.rep_a, opportunity=opp, stage=target, version=1
            )
        assert opp.probability == 50 and opp.version == 2 and opp.status == "open"
        last = StageChange.objects.filter(opportunity=opp).last()
        assert last.from_stage.name == "初步接洽" and last.to_stage == target
        assert last.days_in_previous == Decimal("3.50")
        assert last.actor == world.rep_a


def test_stale_move_is_refused_and_changes_nothing(world):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        target = stage_named(opp.pipeline, "方案报价")
        services.opportunity_update(actor=world.rep_a, opportunity=opp, version=1, name="改名")
        with pytest.raises(StaleVersion):
            services.opportunity_move(actor=world.rep_a, opportunity=opp, stage=target, version=1)
        opp.refresh_from_db()
        assert opp.stage.name == "初步接洽"
        assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_won_stage_wins_and_lost_needs_reason(world):
    customer = make_customer(world, world.rep_a)
    opp = make_opportunity(world, world.rep_a, customer=customer)
    with org_scope(world.org):
        lost = stage_named(opp.pipeline, "输单")
        with pytest.raises(ValidationError) as exc:
            services.opportunity_move(actor=world.rep_a, opportunity=opp, stage=lost)
        assert "lost_reason" in exc.value.message_dict
        with pytest.raises(ValidationError):
            services.opportunity_lose(actor=world.rep_a, opportunity=opp, lost_reason="nope")
        opp.refresh_from_db()
        assert opp.status == "open" and opp.version == 1
        opp = services.opportunity_lose(
            actor=world.rep_a, opportunity=opp, lost_reason="price", lost_note="对方压价"
        )
        assert opp.status == "lost" and opp.probability == 0 and opp.closed_on
        assert opp.lost_reason == "price"
        assert Customer.objects.get(pk=customer.pk).lifecycle_stage == "lost"
        with pytest.raises(BusinessRuleError):
            services.opportunity_lose(actor=world.rep_a, opportunity=opp, lost_reason="price")
        opp = services.opportunity_reopen(actor=world.rep_a, opportunity=opp)
        assert opp.status == "open" and opp.stage.name == "初步接洽"
        assert opp.lost_reason == "" and opp.closed_on is None
        opp = services.opportunity_win(actor=world.rep_a, opportunity=opp)
        assert opp.status == "won" and opp.probability == 100
        kinds = list(
            StageChange.objects.filter(opportunity=opp).values_list("from_status", "to_status")
        )
        assert kinds == [("", "open"), ("open", "lost"), ("lost", "open"), ("open", "won")]


def test_lost_event_waits_for_the_last_open_deal(world):
    customer = make_customer(world, world.rep_a)
    first = make_opportunity(world, world.rep_a, customer=customer)
    make_opportunity(world, world.rep_a, customer=customer, name="第二个项目")
    with org_scope(world.org):
        services.opportunity_lose(actor=world.rep_a, opportunity=first, lost_reason="price")
        assert Customer.objects.get(pk=customer.pk).lifecycle_stage == "opportunity"


def test_probability_is_editable_while_open(world):
    opp = make_opportunity(world, world.rep_a, probability=25)
    assert opp.probability == 25
    with org_scope(world.org):
        opp = services.opportunity_update(
            actor=world.rep_a, opportunity=opp, version=1, probability=40
        )
        assert opp.probability == 40
        target = stage_named(opp.pipeline, "商务谈判")
        opp = services.opportunity_move(actor=world.rep_a, opportunity=opp, stage=target)
        assert opp.probability == 70


def test_move_to_other_pipeline_stage_refused(world):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        other = services.pipeline_create(
            actor=world.admin,
            name="项目型销售",
            stages=[
                {"name": "立项", "probability": 20},
                {"name": "成交", "probability": 100, "kind": "won"},
                {"name": "失败", "probability": 0, "kind": "lost"},
            ],
        )
        with pytest.raises(ValidationError):
            services.opportunity_move(
                actor=world.rep_a, opportunity=opp, stage=other.stages.first()
            )


def test_competitors_are_cleaned(world):
    opp = make_opportunity(
        world,
        world.rep_a,
        competitors=[
            {"name": " 沈阳机床 ", "notes": "报价低"},
            "大连机床",
            {"name": ""},
            "大连机床",
        ],
    )
    assert opp.competitors == [
        {"name": "沈阳机床", "notes": "报价低"},
        {"name": "大连机床", "notes": ""},
    ]
    customer = make_customer(world, world.rep_a, name="另一家")
    with org_scope(world.org), pytest.raises(ValidationError):
        services.opportunity_create(
            actor=world.rep_a, customer=customer, name="x", competitors="沈阳机床"
        )


def test_pipeline_refuses_deleting_stage_in_use_and_bad_shapes(world):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        pipeline = opp.pipeline
        stages = [
            {"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
            for s in pipeline.stages.all()
        ]
        with pytest.raises(BusinessRuleError) as exc:
            services.pipeline_update(actor=world.admin, pipeline=pipeline, stages=stages[1:])
        assert exc.value.code == "stage_in_use"
        bad = [*stages[:4], stages[5], stages[4], {"name": "又一个赢单", "kind": "won"}]
        with pytest.raises(ValidationError):
            services.pipeline_update(actor=world.admin, pipeline=pipeline, stages=bad)
        with pytest.raises(ValidationError):
            services.pipeline_update(
                actor=world.admin, pipeline=pipeline, stages=[stages[4], *stages[:4], stages[5]]
            )
        with pytest.raises(PermissionDenied):
            services.pipeline_update(actor=world.manager, pipeline=pipeline, stages=stages)
        assert list(pipeline.stages.values_list("name", flat=True))[:2] == ["初步接洽", "需求确认"]
        # rename, reorder, add, remove an unused one
        reordered = [
            {**stages[0], "name": "首次接触"},
            {"name": "现场考察", "probability": 20},
            stages[3],
            stages[2],
            stages[4],
            stages[5],
        ]
        services.pipeline_update(actor=world.admin, pipeline=pipeline, stages=reordered)
        assert list(pipeline.stages.order_by("position").values_list("name", flat=True)) == [
            "首次接触", "现场考察", "商务谈判", "方案报价", "赢单", "输单",
        ]  # fmt: skip
        opp.refresh_from_db()
        assert opp.stage.name == "首次接触"


def test_deactivating_stage_with_open_deals_is_refused(world):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        stages = [
            {"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
            for s in opp.pipeline.stages.all()
        ]
        stages[0]["is_active"] = False
        with pytest.raises(BusinessRuleError):
            services.pipeline_update(actor=world.admin, pipeline=opp.pipeline, stages=stages)
        stages[0]["is_active"] = True
        stages[1]["is_active"] = False
        services.pipeline_update(actor=world.admin, pipeline=opp.pipeline, stages=stages)
        assert not Stage.objects.get(pk=stages[1]["id"]).is_active


def test_delete_and_restore(world):
    opp = make_opportunity(world, world.manager)
    with org_scope(world.org):
        services.opportunity_delete(actor=world.manager, opportunity=opp)
        assert not Opportunity.objects.filter(pk=opp.pk).exists()
        services.opportunity_restore(actor=world.manager, opportunity=opp)
        assert Opportunity.objects.filter(pk=opp.pk).exists()


def test_default_pipeline_is_per_org(world, other_world):
    make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        mine = services.ensure_default_pipeline(world.org.pk)
    with org_scope(other_world.org):
        pipeline = services.ensure_default_pipeline(other_world.org.pk)
        assert pipeline.org_id == other_world.org.pk and pipeline.pk != mine.pk
        assert Pipeline.objects.count() == 1
