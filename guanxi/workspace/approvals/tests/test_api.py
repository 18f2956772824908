"""``/api/v1/requisitions``, ``/api/v1/approvals`` and ``/api/v1/approval-flows``."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.approvals.models import ApprovalRequest, ApprovalTask, Requisition
from guanxi.workspace.approvals.tests.helpers import flow, submitted

pytestmark = pytest.mark.django_db


def test_requisition_submit_without_a_flow_is_approved_at_once(world, api):
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/requisitions", {"title": "申请用章", "category": "seal"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = client.post(f"/api/v1/requisitions/{created.json()['id']}/submit", {}, format="json")
    assert body.status_code == 200
    assert body.json()["status"] == "approved"
    assert body.json()["approval"] is None


def test_the_whole_round_through_the_api(world, api):
    flow(world, conditions=[{"variable": "amount", "op": ">", "value": "5000"}])
    rep = api(world.rep_a)
    record = rep.post(
        "/api/v1/requisitions",
        {"title": "采购服务器", "category": "purchase", "amount": "20000.00"},
        format="json",
    ).json()
    submitted_body = rep.post(
        f"/api/v1/requisitions/{record['id']}/submit", {"comment": "请批准"}, format="json"
    ).json()
    assert submitted_body["status"] == "pending"
    approval_id = submitted_body["approval"]["id"]
    assert submitted_body["approval"]["tasks"][0]["approver"] == world.manager.pk

    # locked while pending: 422 with the reason, nothing changed
    locked = rep.patch(f"/api/v1/requisitions/{record['id']}", {"title": "改一下"}, format="json")
    assert locked.status_code == 422
    assert locked.json() == {"detail": "审批中，不能修改", "code": "approval_pending", "fields": {}}
    with org_scope(world.org):
        assert Requisition.objects.get(pk=record["id"]).title == "采购服务器"

    manager = api(world.manager)
    waiting = manager.get("/api/v1/approvals", {"waiting": "me"}).json()
    assert [item["id"] for item in waiting["items"]] == [approval_id]
    assert api(world.rep_b).get("/api/v1/approvals", {"waiting": "me"}).json()["items"] == []

    assert manager.post(f"/api/v1/approvals/{approval_id}/withdraw", {}).status_code == 403
    no_comment = manager.post(f"/api/v1/approvals/{approval_id}/reject", {}, format="json")
    assert no_comment.status_code == 400
    assert no_comment.json()["fields"] == {"comment": ["驳回时请填写意见。"]}
    rejected = manager.post(
        f"/api/v1/approvals/{approval_id}/reject", {"comment": "太贵"}, format="json"
    )
    assert rejected.json()["status"] == "rejected"
    closed = manager.post(f"/api/v1/approvals/{approval_id}/approve", {}, format="json")
    assert closed.status_code == 422 and closed.json()["code"] == "approval_closed"

    # change and resubmit: round two
    changed = rep.patch(f"/api/v1/requisitions/{record['id']}", {"amount": "12000"}, format="json")
    assert changed.status_code == 200, changed.content
    second = rep.post(f"/api/v1/requisitions/{record['id']}/submit", {}, format="json").json()
    assert second["approval"]["round"] == 2
    approved = manager.post(
        f"/api/v1/approvals/{second['approval']['id']}/approve", {}, format="json"
    )
    assert approved.json()["status"] == "approved"
    assert rep.get(f"/api/v1/requisitions/{record['id']}").json()["status"] == "approved"
    mine = rep.get("/api/v1/approvals").json()["items"]
    assert sorted(item["round"] for item in mine) == [1, 2]


def test_requests_of_other_orgs_and_other_people_are_invisible(world, other_world, api):
    flow(other_world)
    foreign_record, foreign = submitted(other_world)
    flow(world)
    _record, own = submitted(world)
    admin = api(world.admin)
    assert admin.get(f"/api/v1/approvals/{foreign.pk}").status_code == 404
    assert admin.post(f"/api/v1/approvals/{foreign.pk}/approve", {}).status_code == 404
    assert admin.post(f"/api/v1/approvals/{foreign.pk}/withdraw", {}).status_code == 404
    assert foreign.pk not in {item["id"] for item in admin.get("/api/v1/approvals").json()["items"]}
    assert (
        api(world.admin).post(f"/api/v1/requisitions/{foreign_record.pk}/submit", {}).status_code
        == 404
    )
    with org_scope(other_world.org):
        assert ApprovalRequest.objects.get(pk=foreign.pk).status == "pending"
        assert ApprovalTask.objects.get(request=foreign).state == "pending"
    # in the same org: a colleague who is neither submitter nor approver sees nothing
    assert api(world.rep_b).get(f"/api/v1/approvals/{own.pk}").status_code == 404
    assert api(world.manager).get(f"/api/v1/approvals/{own.pk}").status_code == 200
    assert api(world.admin).get(f"/api/v1/approvals/{own.pk}").status_code == 200


def test_readonly_cannot_file_and_only_the_submitter_submits(world, api):
    assert (
        api(world.readonly).post("/api/v1/requisitions", {"title": "x"}, format="json").status_code
        == 403
    )
    record = api(world.rep_a).post("/api/v1/requisitions", {"title": "出差请示"}, format="json")
    record_id = record.json()["id"]
    assert api(world.admin).post(f"/api/v1/requisitions/{record_id}/submit", {}).status_code == 403
    assert api(world.rep_b).post(f"/api/v1/requisitions/{record_id}/submit", {}).status_code == 404


def test_flows_through_the_api(world, api):
    client = api(world.admin)
    body = {
        "document": "requisition",
        "name": "会签",
        "priority": 5,
        "conditions": [{"variable": "category", "op": "in", "value": ["seal", "purchase"]}],
        "steps": [
            {"kind": "employees", "employees": [world.manager.pk, world.agent.pk], "mode": "all"},
            {"kind": "role", "role": None},
        ],
    }
    bad = client.post("/api/v1/approval-flows", body, format="json")
    assert bad.status_code == 400 and "steps" in bad.json()["fields"]
    body["steps"] = body["steps"][:1]
    created = client.post("/api/v1/approval-flows", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["steps"] == [
        {"name": "", "kind": "employees", "mode": "all",
         "employees": [world.manager.pk, world.agent.pk], "manager_levels": 1, "role": None}
    ]  # fmt: skip
    stale = client.patch(
        f"/api/v1/approval-flows/{data['id']}", {"name": "x", "version": 9}, format="json"
    )
    assert stale.status_code == 409
    assert api(world.rep_a).get("/api/v1/approval-flows").status_code == 403
    assert client.delete(f"/api/v1/approval-flows/{data['id']}").status_code == 204
