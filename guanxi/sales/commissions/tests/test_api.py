"""``/api/v1/commission-rules`` and ``/api/v1/commission-statements``."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.commissions.models import CommissionRule, CommissionStatement
from guanxi.sales.commissions.tests import helpers as c

pytestmark = pytest.mark.django_db
RULES = "/api/v1/commission-rules"
STATEMENTS = "/api/v1/commission-statements"


def _body(**extra):
    return {
        "name": "订单阶梯",
        "basis": "order",
        "applies_to": "all",
        "valid_from": "2026-01-01",
        "tiers": [{"from_amount": "0", "rate": "3"}, {"from_amount": "100000", "rate": "5"}],
        **extra,
    }


def test_rule_crud(world, api):
    client = api(world.admin)
    created = client.post(RULES, _body(), format="json")
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert [tier["rate"] for tier in created.json()["tiers"]] == ["3.0000", "5.0000"]
    changed = client.patch(f"{RULES}/{rule_id}", {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert client.delete(f"{RULES}/{rule_id}").status_code == 204
    with org_scope(world.org):
        assert not CommissionRule.objects.exists()


def test_rule_errors_are_400_with_fields(world, api):
    response = api(world.admin).post(
        RULES, _body(tiers=[{"from_amount": "0", "rate": "120"}]), format="json"
    )
    assert response.status_code == 400
    assert "tiers" in response.json()["fields"]


def test_rules_need_sales_setup(world, api):
    assert api(world.rep_a).get(RULES).status_code == 403
    assert api(world.manager).post(RULES, _body(), format="json").status_code == 403
    with org_scope(world.org):
        assert not CommissionRule.objects.exists()


def _setup(world):
    c.rule(world)
    item = c.product(world)
    order = c.order(world, world.rep_a, [(item, "1000")])
    c.collect(world, order, "1000")


def test_generate_one_employee_then_adjust_submit_and_lock(world, api):
    _setup(world)
    client = api(world.admin)
    generated = client.post(
        f"{STATEMENTS}/generate", {"period": "2026-05", "employee": world.rep_a.pk}, format="json"
    )
    assert generated.status_code == 200, generated.content
    statement = generated.json()["statement"]
    assert statement["total"] == "30.00" and len(statement["lines"]) == 1
    url = f"{STATEMENTS}/{statement['id']}"
    added = client.post(f"{url}/adjustments", {"amount": "5", "reason": "奖励"}, format="json")
    assert added.status_code == 201
    line_id = added.json()["id"]
    assert client.get(url).json()["total"] == "35.00"
    assert client.delete(f"{url}/adjustments/{line_id}").status_code == 204
    assert client.post(f"{url}/recompute", {}, format="json").json()["total"] == "30.00"
    submitted = client.post(f"{url}/submit", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "approved"
    for response in (
        client.post(f"{url}/recompute", {}, format="json"),
        client.patch(url, {"notes": "x"}, format="json"),
        client.delete(url),
        client.post(f"{url}/adjustments", {"amount": "1", "reason": "x"}, format="json"),
    ):
        assert response.status_code == 422
        assert response.json()["code"] == "statement_locked"
    with org_scope(world.org):
        assert CommissionStatement.objects.get(pk=statement["id"]).total == c.D("30")


def test_generate_for_everyone_answers_a_job(world, api, django_capture_on_commit_callbacks):
    _setup(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.manager).post(
            f"{STATEMENTS}/generate", {"period": "2026-05"}, format="json"
        )
    assert response.status_code == 202 and response.json()["job"]
    listing = api(world.manager).get(STATEMENTS, {"period": "2026-05"}).json()
    assert world.rep_a.pk in {item["owner"] for item in listing["items"]}


def test_bad_period_and_foreign_employee_are_400(world, other_world, api):
    client = api(world.admin)
    assert (
        client.post(
            f"{STATEMENTS}/generate",
            {"period": "2026/05", "employee": world.rep_a.pk},
            format="json",
        ).status_code
        == 400
    )
    response = client.post(
        f"{STATEMENTS}/generate",
        {"period": "2026-05", "employee": other_world.rep_a.pk},
        format="json",
    )
    assert response.status_code == 400 and "employee" in response.json()["fields"]


def test_rep_lists_own_statements_and_cannot_generate(world, api):
    _setup(world)
    own = c.generate(world, world.rep_a)
    c.generate(world, world.rep_b)
    client = api(world.rep_a)
    items = client.get(STATEMENTS).json()["items"]
    assert [item["id"] for item in items] == [own.pk]
    response = client.post(
        f"{STATEMENTS}/generate", {"period": "2026-05", "employee": world.rep_a.pk}, format="json"
    )
    assert response.status_code == 403
    assert client.post(f"{STATEMENTS}/{own.pk}/submit", {}, format="json").status_code == 403
