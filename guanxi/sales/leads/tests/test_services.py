"""Lead services: creation and validation, scoring (fit, engagement, rules), assignment
rules (round robin fairness, named employee, pool), transfer and claim, handover."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.leads import scoring, services
from guanxi.sales.leads.models import Lead, ScoringRule
from guanxi.sales.leads.tests.helpers import east_team, make_lead
from guanxi.workspace import services as activity_services

pytestmark = pytest.mark.django_db


# ---- create and edit ------------------------------------------------------------------------


def test_create_numbers_normalises_and_scores(world):
    lead = make_lead(
        world.rep_a,
        owner=world.rep_a,
        email=" Zhou@YunFan.CN ",
        industry="it",
        size="100-499",
        region="浙江省 杭州市 西湖区",
        source="referral",
        campaign=42,
    )
    assert lead.code.startswith("XS-")
    assert lead.email == "zhou@yunfan.cn"
    assert lead.owner == world.rep_a and lead.owner_department == world.east
    assert lead.status == Lead.Status.NEW
    # it 15 + 100-499 20 + 浙江 8 + referral 10
    assert lead.score == 53
    assert {item["criterion"] for item in lead.score_breakdown} == {
        "industry", "size", "region", "source",
    }  # fmt: skip
    assert lead.campaign == 42
    with org_scope(world.org):
        assert ChangeRecord.objects.filter(object_id=str(lead.pk), action="create").exists()


def test_create_refuses_bad_input_with_every_error_and_writes_nothing(world):
    with org_scope(world.org):
        with pytest.raises(ValidationError) as caught:
            services.lead_create(
                actor=world.rep_a,
                contact_name="",
                mobile="abc",
                email="not-an-email",
                industry="nope",
                size="huge",
                company_name="<b>x</b>",
            )
        fields = caught.value.message_dict
        assert {"contact_name", "mobile", "email", "industry", "size", "company_name"} <= set(
            fields
        )
        with pytest.raises(ValidationError) as caught:
            services.lead_create(actor=world.rep_a, contact_name="王五")
        assert "mobile" in caught.value.message_dict  # some way to reach them
        assert not Lead.objects.exists()


def test_owner_other_than_self_needs_transfer(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.lead_create(
            actor=world.rep_a, contact_name="周明", mobile="13800001111", owner=world.rep_b
        )
    lead = make_lead(world.manager, owner=world.rep_b)
    assert lead.owner == world.rep_b and lead.owner_department == world.north


def test_readonly_cannot_create(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.lead_create(actor=world.readonly, contact_name="周明", mobile="13800001111")


def test_update_stale_version_and_disqualify_needs_reason(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        with pytest.raises(StaleVersion):
            services.lead_update(actor=world.rep_a, lead=lead, version=99, title="经理")
        with pytest.raises(ValidationError) as caught:
            services.lead_update(actor=world.rep_a, lead=lead, status="disqualified")
        assert "disqualified_reason" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.lead_update(actor=world.rep_a, lead=lead, status="converted")
        lead.refresh_from_db()
        assert lead.status == "new" and lead.version == 1
        lead = services.lead_update(
            actor=world.rep_a,
            lead=lead,
            version=1,
            status="disqualified",
            disqualified_reason="没有预算",
        )
        assert lead.status == "disqualified" and lead.version == 2


def test_other_department_lead_is_not_found(world):
    lead = make_lead(world.rep_b, owner=world.rep_b)
    with org_scope(world.org):
        from django.http import Http404

        with pytest.raises(Http404):
            services.lead_update(actor=world.rep_a, lead=lead, title="经理")


# ---- scoring ---------------------------------------------------------------------------------


def test_compute_takes_the_best_rule_per_criterion_and_clamps():
    lead = Lead(industry="it", region="广东省 深圳市", size="1000+")
    rules = [
        ScoringRule(criterion="industry", value="it", points=30),
        ScoringRule(criterion="region", value="广东", points=20),
        ScoringRule(criterion="region", value="深圳", points=40),
        ScoringRule(criterion="size", value="1000+", points=50),
        ScoringRule(criterion="activities", value="2", points=10),
        ScoringRule(criterion="responses", value="1", points=10),
    ]
    result = scoring.compute(lead, rules, activities=1, responses=0)
    assert result.score == 100  # 30 + 40 + 50, kept within 0..100
    assert [i["value"] for i in result.breakdown] == ["it", "深圳", "1000+"]
    negative = scoring.compute(lead, [ScoringRule(criterion="industry", value="it", points=-5)])
    assert negative.score == 0


def test_defaults_are_loaded_once(world):
    with org_scope(world.org):
        assert scoring.ensure_defaults(world.org.pk)
        count = ScoringRule.objects.count()
        assert count == len(scoring.DEFAULT_RULES)
        ScoringRule.objects.all().delete()
        assert not scoring.ensure_defaults(world.org.pk)
        assert not ScoringRule.objects.exists()


def test_follow_ups_raise_the_score_and_mark_contacted(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    before = lead.score
    with org_scope(world.org):
        activity_services.activity_create(
            actor=world.rep_a, content="电话沟通需求", target=("lead", lead.pk)
        )
        activity_services.activity_create(
            actor=world.rep_a,
            content="发了方案",
            target=("lead", lead.pk),
            outcome="客户回复有兴趣",
        )
        lead.refresh_from_db()  # scored again as each follow-up was recorded
    assert lead.activity_count == 2 and lead.response_count == 1
    assert lead.status == Lead.Status.CONTACTED
    # activities ≥1: +5, responses ≥1: +10
    assert lead.score == before + 15


def test_editing_and_deleting_a_follow_up_scores_the_lead_again(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    before = lead.score
    with org_scope(world.org):
        activity = activity_services.activity_create(
            actor=world.rep_a, content="电话沟通需求", target=("lead", lead.pk)
        )
        activity_services.activity_update(
            actor=world.rep_a, activity=activity, outcome="客户回复有兴趣"
        )
        lead.refresh_from_db()
        assert (lead.activity_count, lead.response_count, lead.score) == (1, 1, before + 15)
        activity_services.activity_delete(actor=world.rep_a, activity=activity)
        lead.refresh_from_db()
    assert (lead.activity_count, lead.response_count) == (0, 0)
    assert lead.score == before


def test_rule_change_recalculates_every_lead_in_the_background(
    world, django_capture_on_commit_callbacks
):
    lead = make_lead(world.rep_a, owner=world.rep_a, industry="energy")
    assert lead.score == 0
    with org_scope(world.org):
        with django_capture_on_commit_callbacks(execute=True):
            services.scoring_rule_create(
                actor=world.admin, criterion="industry", value="energy", points=35
            )
        lead.refresh_from_db()
        assert lead.score == 35  # the job ran after commit (at once in tests)
        rule = ScoringRule.objects.get(criterion="industry", value="energy")
        with django_capture_on_commit_callbacks(execute=True):
            services.scoring_rule_update(actor=world.admin, rule=rule, points=12)
        lead.refresh_from_db()
        assert lead.score == 12
        with django_capture_on_commit_callbacks(execute=True):
            services.scoring_rule_delete(actor=world.admin, rule=rule)
        lead.refresh_from_db()
        assert lead.score == 0


def test_scoring_rules_need_setup_edit_and_valid_values(world):
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.scoring_rule_create(
                actor=world.rep_a, criterion="industry", value="it", points=5
            )
        with pytest.raises(ValidationError) as caught:
            services.scoring_rule_create(
                actor=world.admin, criterion="activities", value="many", points=500
            )
        assert {"value", "points"} <= set(caught.value.message_dict)
        with pytest.raises(ValidationError):  # the defaults already have it
            services.scoring_rule_create(
                actor=world.admin, criterion="industry", value="it", points=5
            )


# ---- assignment --------------------------------------------------------------------------------


def _round_robin(world, **fields):
    fields.setdefault("name", "华东轮流")
    with org_scope(world.org):
        return services.assignment_rule_create(
            actor=world.admin, method="round_robin", department=world.east, **fields
        )


def test_round_robin_is_fair_and_records_the_reason(world):
    team = east_team(world, extra=2)
    rule = _round_robin(world)
    owners = [make_lead(world.admin).owner for _ in range(9)]
    counts = {person.pk: sum(1 for o in owners if o.pk == person.pk) for person in team}
    assert set(counts.values()) == {3}
    assert [o.pk for o in owners[:3]] == sorted(p.pk for p in team)  # in turn, by id
    lead = make_lead(world.admin)
    assert "华东轮流" in lead.assignment_reason and lead.assignment_rule_id == rule.pk
    with org_scope(world.org):
        rule.refresh_from_db()
    assert rule.assigned_count == 10


def test_round_robin_skips_people_who_left(world):
    team = east_team(world, extra=1)
    _round_robin(world)
    team[1].status = "left"
    team[1].save()
    owners = {make_lead(world.admin).owner_id for _ in range(3)}
    assert owners == {world.rep_a.pk}


def test_rules_match_by_source_and_region_in_order(world):
    with org_scope(world.org):
        services.assignment_rule_create(
            actor=world.admin, name="展会给李四", position=1, source="exhibition",
            method="employee", employee=world.rep_b,
        )  # fmt: skip
        services.assignment_rule_create(
            actor=world.admin, name="浙江给张三", position=2, region="浙江",
            method="employee", employee=world.rep_a,
        )  # fmt: skip
    assert make_lead(world.admin, source="exhibition", region="浙江省").owner == world.rep_b
    assert make_lead(world.admin, source="web_form", region="浙江省 杭州市").owner == world.rep_a
    pooled = make_lead(world.admin, source="web_form", region="北京市")
    assert pooled.owner is None and pooled.assignment_rule is None


def test_bulk_assign_by_rules_only_touches_pool_leads(world):
    pooled = [make_lead(world.admin) for _ in range(2)]
    owned = make_lead(world.admin, owner=world.rep_b)
    _round_robin(world)
    ids = [lead.pk for lead in pooled] + [owned.pk]
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.leads_assign_by_rules(actor=world.rep_a, lead_ids=ids)
        result = services.leads_assign_by_rules(actor=world.manager, lead_ids=ids)
        assert result == {"assigned": 2, "unmatched": 0, "skipped": 1}
        assert set(Lead.objects.filter(pk__in=ids).values_list("owner_id", flat=True)) == {
            world.rep_a.pk, world.rep_b.pk,
        }  # fmt: skip


def test_transfer_claim_and_pool(world):
    lead = make_lead(world.admin)
    assert lead.owner is None
    with org_scope(world.org):
        lead = services.lead_claim(actor=world.rep_a, lead=lead)
        assert lead.owner == world.rep_a
        with pytest.raises(BusinessRuleError):
            services.lead_claim(actor=world.rep_b, lead=lead)
        with pytest.raises(PermissionDenied):
            services.leads_transfer(actor=world.rep_a, lead_ids=[lead.pk], owner=world.rep_b)
        assert services.leads_transfer(actor=world.manager, lead_ids=[lead.pk], owner=world.rep_b)
        lead.refresh_from_db()
        assert lead.owner == world.rep_b and lead.owner_department == world.north
        services.leads_transfer(actor=world.manager, lead_ids=[lead.pk], owner=None)
        lead.refresh_from_db()
        assert lead.owner is None and "退回线索池" in lead.assignment_reason


def test_handover_moves_a_leavers_open_leads(world):
    open_lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        moved = customer_services.customers_handover(
            actor=world.admin, from_employee=world.rep_a, to_employee=world.rep_b
        )
        assert moved["leads"] == 1
        open_lead.refresh_from_db()
        assert open_lead.owner == world.rep_b


def test_delete_and_restore(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.lead_delete(actor=world.rep_a, lead=lead)  # reps may not delete
        services.lead_delete(actor=world.manager, lead=lead)
        assert not Lead.objects.filter(pk=lead.pk).exists()
        services.lead_restore(actor=world.manager, lead_id=lead.pk)
        assert Lead.objects.filter(pk=lead.pk).exists()


def test_nightly_job_catches_follow_ups_that_bypassed_the_services(world):
    from guanxi.sales.leads import tasks

    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        activity_services.activity_create(
            actor=world.rep_a, content="电话沟通", target=("lead", lead.pk), outcome="有兴趣"
        )
        # as if the follow-up had come in by a bulk load that scored nothing
        Lead.objects.filter(pk=lead.pk).update(
            activity_count=0, response_count=0, status=Lead.Status.NEW
        )
    assert tasks.leads_rescore_daily.call_local()[world.org.pk] == 1
    assert tasks.leads_rescore_daily.call_local()[world.org.pk] == 0  # nothing left to do
    with org_scope(world.org):
        lead.refresh_from_db()
    assert lead.activity_count == 1 and lead.status == Lead.Status.CONTACTED
