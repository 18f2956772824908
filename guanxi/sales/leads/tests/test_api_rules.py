"""``/api/v1/lead-scoring-rules`` and ``/api/v1/lead-assignment-rules``: sales setup
view to read, edit to change; bad values are 400 and change nothing."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.leads.models import AssignmentRule, ScoringRule

pytestmark = pytest.mark.django_db


def test_scoring_rules_read_and_write(world, api):
    admin = api(world.admin)
    created = admin.post(
        "/api/v1/lead-scoring-rules", {"criterion": "size", "value": "20-99", "points": 12},
        format="json",
    )  # fmt: skip
    assert created.status_code == 400  # the defaults already hold 20-99
    created = admin.post(
        "/api/v1/lead-scoring-rules", {"criterion": "region", "value": "四川", "points": 6},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert api(world.readonly).get("/api/v1/lead-scoring-rules").status_code == 200
    assert api(world.rep_a).get("/api/v1/lead-scoring-rules").status_code == 403
    rule_id = created.json()["id"]
    answer = api(world.readonly).patch(
        f"/api/v1/lead-scoring-rules/{rule_id}", {"points": 50}, format="json"
    )
    assert answer.status_code == 403
    answer = admin.patch(f"/api/v1/lead-scoring-rules/{rule_id}", {"points": 500}, format="json")
    assert answer.status_code == 400
    with org_scope(world.org):
        assert ScoringRule.objects.get(pk=rule_id).points == 6
    assert admin.delete(f"/api/v1/lead-scoring-rules/{rule_id}").status_code == 204


def test_assignment_rules_need_a_department_or_employee(world, api):
    admin = api(world.admin)
    answer = admin.post(
        "/api/v1/lead-assignment-rules", {"name": "缺部门", "method": "round_robin"},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 400 and "department" in answer.json()["fields"]
    answer = admin.post(
        "/api/v1/lead-assignment-rules",
        {"name": "华东轮流", "method": "round_robin", "department": world.east.pk,
         "region": "浙江", "position": 5},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201 and answer.json()["assigned_count"] == 0
    with org_scope(world.org):
        assert AssignmentRule.objects.count() == 1
