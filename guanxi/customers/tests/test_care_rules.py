"""Care plans (关怀计划): validation, permissions, the daily run that turns them into
care tasks (idempotent, pool skipped, bulk), the API and the screens."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers import care, pool, services, tasks
from guanxi.customers.models import CareRule, CareTask, Customer
from guanxi.orgs.selectors import dictionary_entries

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 6, 1)


def _level(world):
    with org_scope(world.org):
        return dictionary_entries(kind="customer_level").first().code


def _customer(world, name, owner, **fields):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.admin, name=name, owner=owner)
        if fields:
            Customer.objects.filter(pk=customer.pk).update(**fields)
            customer.refresh_from_db()
        return customer


def _rule(world, actor=None, **fields):
    with org_scope(world.org):
        return care.care_rule_create(actor=actor or world.admin, **fields)


def _tasks(world, rule=None):
    with org_scope(world.org):
        qs = CareTask.objects.all() if rule is None else CareTask.objects.filter(rule=rule)
        return list(qs.order_by("customer_id", "due_on"))


# ---- validation and permissions ------------------------------------------------------------


def test_rules_are_validated_all_at_once(world):
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        care.care_rule_create(
            actor=world.admin, name="", kind="interval", interval_days=0, lead_days=99,
            levels=["nope"], value_tiers=["Z"], stages=["asleep"],
        )  # fmt: skip
    assert set(caught.value.message_dict) == {
        "name", "interval_days", "lead_days", "levels", "value_tiers", "stages",
    }  # fmt: skip
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        care.care_rule_create(actor=world.admin, name="缺日期", kind="holiday")
    assert set(caught.value.message_dict) == {"holiday_on"}
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        care.care_rule_create(actor=world.admin, name="提前太多", interval_days=5, lead_days=5)
    assert set(caught.value.message_dict) == {"lead_days"}
    _rule(world, name="同名", interval_days=30)
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        care.care_rule_create(actor=world.admin, name="同名", interval_days=30)
    assert set(caught.value.message_dict) == {"name"}
    with org_scope(world.org):
        assert CareRule.objects.count() == 1


def test_only_care_managers_manage_rules(world):
    with org_scope(world.org):
        for employee in (world.rep_a, world.readonly):
            with pytest.raises(PermissionDenied):
                care.care_rule_create(actor=employee, name="不许", interval_days=30)
    rule = _rule(world, world.manager, name="主管建的", interval_days=30)  # sales manager: granted
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            care.care_rule_set_active(actor=world.rep_a, rule=rule, active=False)
        with pytest.raises(PermissionDenied):
            care.care_rules_run_now(actor=world.rep_a)
        assert CareRule.objects.get(pk=rule.pk).is_active


def test_update_is_versioned_and_audited(world):
    rule = _rule(world, name="季度回访", interval_days=90)
    with org_scope(world.org):
        care.care_rule_update(actor=world.admin, rule=rule, version=rule.version, lead_days=7)
        with pytest.raises(StaleVersion):
            care.care_rule_update(actor=world.admin, rule=rule, version=rule.version, lead_days=1)
        saved = CareRule.objects.get(pk=rule.pk)
        assert (saved.lead_days, saved.version) == (7, rule.version + 1)
        record = ChangeRecord.objects.filter(object_id=str(rule.pk)).order_by("-id").first()
        assert record.changes == {"lead_days": {"old": 3, "new": 7}}


# ---- the daily run -------------------------------------------------------------------------


def test_interval_rule_spreads_customers_and_is_idempotent(world):
    level = _level(world)
    customers = [_customer(world, f"A级{i}", world.rep_a, level=level) for i in range(6)]
    _customer(world, "其他级别", world.rep_a)
    rule = _rule(world, name="每6天", interval_days=6, lead_days=2, starts_on=TODAY,
                 levels=[level], task_title="电话回访")  # fmt: skip
    with org_scope(world.org):
        created = care.care_rules_generate(org=world.org.pk, today=TODAY)
    made = _tasks(world, rule)
    # ids mod 6 over the days today..today+2: three of the six customers are due now
    expected = {c.pk: TODAY + datetime.timedelta(days=c.pk % 6) for c in customers if c.pk % 6 <= 2}
    assert created == len(made) == 3
    assert {t.customer_id: t.due_on for t in made} == expected
    task = made[0]
    assert (task.kind, task.assignee_id, task.assignee_department_id) == (
        "scheduled", world.rep_a.pk, world.rep_a.department_id,
    )  # fmt: skip
    assert task.title.startswith("A级") and task.title.endswith("的电话回访")
    with org_scope(world.org):
        assert care.care_rules_generate(org=world.org.pk, today=TODAY) == 0
        # the next day adds only the customer whose day entered the window
        assert (
            care.care_rules_generate(org=world.org.pk, today=TODAY + datetime.timedelta(days=1))
            == 1
        )
        # a full interval later each customer gets the next occurrence
        later = TODAY + datetime.timedelta(days=6)
        assert care.care_rules_generate(org=world.org.pk, today=later) == 3
        saved = CareRule.objects.get(pk=rule.pk)
        assert (saved.last_run_on, saved.last_created) == (later, 3)
    assert len(_tasks(world, rule)) == 7


def test_holiday_rule_by_tag_and_value_tier_skips_the_pool_and_departed_owners(world):
    tagged = _customer(world, "华东客户", world.rep_a, tags=["华东", "茶叶"])
    tier_a = _customer(world, "A类客户", world.rep_b, value_tier="A")
    _customer(world, "不相干", world.rep_b, tags=["华北"])
    pooled = _customer(world, "公海客户", world.rep_a, tags=["华东"])
    with org_scope(world.org):
        pool.pool_release(actor=world.rep_a, customer_ids=[pooled.pk], reason="不跟了")
    _rule(world, name="端午问候-华东", kind="holiday", holiday_on=D(2026, 6, 3), lead_days=3,
          tags=["华东"])  # fmt: skip
    _rule(world, name="端午问候-A类", kind="holiday", holiday_on=D(2026, 6, 3), lead_days=3,
          value_tiers=["A"])  # fmt: skip
    _rule(world, name="太远", kind="holiday", holiday_on=D(2026, 9, 1), tags=["华东"])
    with org_scope(world.org):
        assert care.care_rules_generate(org=world.org.pk, today=TODAY) == 2
    made = _tasks(world)
    assert {(t.customer_id, t.assignee_id, t.due_on, t.kind) for t in made} == {
        (tagged.pk, world.rep_a.pk, D(2026, 6, 3), "holiday"),
        (tier_a.pk, world.rep_b.pk, D(2026, 6, 3), "holiday"),
    }


def test_yearly_holiday_wraps_the_year_and_stopped_rules_do_nothing(world):
    _customer(world, "元旦客户", world.rep_a)
    rule = _rule(world, name="元旦", kind="holiday", holiday_on=D(2026, 1, 1), yearly=True,
                 lead_days=5)  # fmt: skip
    with org_scope(world.org):
        assert care.holiday_date(rule, D(2026, 12, 29)) == D(2027, 1, 1)
        care.care_rule_set_active(actor=world.admin, rule=rule, active=False)
        assert care.care_rules_generate(org=world.org.pk, today=D(2026, 12, 29)) == 0
        care.care_rule_set_active(actor=world.admin, rule=rule, active=True)
        assert care.care_rules_generate(org=world.org.pk, today=D(2026, 12, 29)) == 1
    assert [t.due_on for t in _tasks(world, rule)] == [D(2027, 1, 1)]


def test_done_or_cancelled_tasks_are_not_made_again(world):
    _customer(world, "已关怀", world.rep_a)
    rule = _rule(world, name="中秋", kind="holiday", holiday_on=D(2026, 6, 2))
    with org_scope(world.org):
        care.care_rules_generate(org=world.org.pk, today=TODAY)
        task = CareTask.objects.get(rule=rule)
        care.care_task_cancel(actor=world.rep_a, task=task)
        assert care.care_rules_generate(org=world.org.pk, today=TODAY) == 0


def _run_queries(world, n):
    for i in range(n):
        _customer(world, f"批量{n}-{i}", world.rep_a if i % 2 else world.rep_b)
    with org_scope(world.org), CaptureQueriesContext(connection) as queries:
        created = care.care_rules_generate(org=world.org.pk, today=TODAY)
    with org_scope(world.org):
        CareTask.objects.all().delete()
    return created, len(queries)


def test_generation_queries_do_not_grow_with_the_customers(world):
    _rule(world, name="全体问候", kind="holiday", holiday_on=D(2026, 6, 1))
    few, few_queries = _run_queries(world, 3)
    many, many_queries = _run_queries(world, 20)
    assert (few, many) == (3, 23)
    assert few_queries == many_queries


def test_daily_job_runs_every_org(world, other_world):
    _customer(world, "甲", world.rep_a)
    _rule(world, name="今日问候", kind="holiday", holiday_on=timezone.localdate())
    result = tasks.care_rules_daily.call_local()
    assert result[world.org.pk] == 1 and result[other_world.org.pk] == 0


# ---- API -----------------------------------------------------------------------------------


def test_api_create_list_update_disable_and_run(world, api):
    level = _level(world)
    client = api(world.manager)
    created = client.post(
        "/api/v1/care-rules",
        {"name": "重点客户季度关怀", "kind": "interval", "interval_days": 90, "levels": [level],
         "value_tiers": ["A"]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["levels"] == [level] and body["is_active"] is True and body["version"] == 1
    bad = client.post("/api/v1/care-rules", {"name": "坏的", "kind": "holiday"}, format="json")
    assert bad.status_code == 400 and "holiday_on" in bad.json()["fields"]
    url = f"/api/v1/care-rules/{body['id']}"
    stale = client.patch(url, {"lead_days": 1, "version": 99}, format="json")
    assert stale.status_code == 409
    assert client.patch(url, {"lead_days": 1, "version": 1}, format="json").json()["lead_days"] == 1
    assert client.delete(url).status_code == 204
    assert client.get(url).json()["is_active"] is False
    assert [
        r["name"] for r in client.get("/api/v1/care-rules", {"active": "0"}).json()["items"]
    ] == ["重点客户季度关怀"]
    assert client.post("/api/v1/care-rules/run").json() == {"created": 0}


def test_api_reps_read_but_cannot_write(world, api):
    rule = _rule(world, name="可读", interval_days=30)
    client = api(world.rep_a)
    assert client.get("/api/v1/care-rules").json()["count"] == 1
    assert (
        client.post(
            "/api/v1/care-rules", {"name": "x", "interval_days": 3}, format="json"
        ).status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/care-rules/{rule.pk}", {"lead_days": 1}, format="json").status_code
        == 403
    )
    assert client.delete(f"/api/v1/care-rules/{rule.pk}").status_code == 403
    assert client.post("/api/v1/care-rules/run").status_code == 403
    with org_scope(world.org):
        saved = CareRule.objects.get(pk=rule.pk)
        assert (saved.lead_days, saved.is_active, CareRule.objects.count()) == (3, True, 1)


# ---- screens -------------------------------------------------------------------------------


def test_screens_create_edit_and_stop_a_rule(world, web):
    level = _level(world)
    client = web(world.manager)
    assert client.get("/customers/care/rules/new/").status_code == 200
    response = client.post(
        "/customers/care/rules/new/",
        {"name": "A级季度回访", "kind": "interval", "interval_days": "90",
         "starts_on": "2026-06-01", "lead_days": "3", "levels": [level], "tags": "华东，茶叶"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    with org_scope(world.org):
        rule = CareRule.objects.get()
    assert (rule.levels, rule.tags, rule.interval_days) == ([level], ["华东", "茶叶"], 90)
    page = client.get("/customers/care/rules/").content.decode()
    assert "A级季度回访" in page and "每 90 天" in page
    bad = client.post(
        f"/customers/care/rules/{rule.pk}/",
        {"name": "A级季度回访", "kind": "interval", "interval_days": "", "lead_days": "3",
         "version": str(rule.version)},
    )  # fmt: skip
    assert bad.status_code == 400 and "定期关怀需要填写间隔天数" in bad.content.decode()
    stale = client.post(
        f"/customers/care/rules/{rule.pk}/",
        {"name": "改名", "kind": "interval", "interval_days": "30", "lead_days": "3",
         "starts_on": "2026-06-01", "version": "99"},
    )  # fmt: skip
    assert stale.status_code == 409
    client.post(f"/customers/care/rules/{rule.pk}/toggle/")
    with org_scope(world.org):
        saved = CareRule.objects.get()
    assert (saved.name, saved.is_active) == ("A级季度回访", False)


def test_screens_refuse_reps(world, web):
    rule = _rule(world, name="只读", interval_days=30)
    client = web(world.rep_a)
    page = client.get("/customers/care/rules/").content.decode()
    assert "只读" in page and "care-rule-new" not in page
    assert client.get("/customers/care/rules/new/").status_code == 403
    assert client.post(f"/customers/care/rules/{rule.pk}/", {"name": "改"}).status_code == 403
    client.post(f"/customers/care/rules/{rule.pk}/toggle/")
    with org_scope(world.org):
        assert CareRule.objects.get().is_active


def test_rule_list_queries_do_not_grow_with_the_rules(world, web):
    client = web(world.admin)
    _rule(world, name="一", interval_days=30)
    client.get("/customers/care/rules/")
    with CaptureQueriesContext(connection) as few:
        client.get("/customers/care/rules/")
    for i in range(5):
        _rule(world, name=f"多{i}", kind="holiday", holiday_on=D(2026, 10, 1), tags=["x"])
    with CaptureQueriesContext(connection) as many:
        assert client.get("/customers/care/rules/").status_code == 200
    assert len(few) == len(many)


def test_another_orgs_rule_is_not_found(world, other_world, web):
    foreign = _rule(other_world, name="别家的", interval_days=30)
    client = web(world.admin)
    assert client.get(f"/customers/care/rules/{foreign.pk}/").status_code == 404
    assert client.post(f"/customers/care/rules/{foreign.pk}/toggle/").status_code == 404
    with org_scope(other_world.org):
        assert CareRule.objects.get(pk=foreign.pk).is_active
