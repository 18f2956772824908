"""Approval screens: waiting for me, requisitions, flows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import org_scope
from guanxi.workspace.approvals import selectors, services
from guanxi.workspace.approvals.models import ApprovalFlow, ApprovalRequest, Requisition
from guanxi.workspace.approvals.tests.helpers import flow, requisition, submitted
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_waiting_for_me_lists_what_waits_and_costs_the_same_for_many(world, web):
    flow(world)
    submitted(world, title="第一份申请")
    client = web(world.manager)
    one = _queries(client, "/approvals/")
    for n in range(4):
        submitted(world, world.rep_b, title=f"申请{n}")
    many = _queries(client, "/approvals/")
    assert one == many
    page = client.get("/approvals/").content.decode()
    assert page.count('data-testid="inbox-row"') == 5
    assert "第一份申请" in page
    # the rep has nothing waiting; their own request is listed below
    page = web(world.rep_a).get("/approvals/").content.decode()
    assert 'data-testid="inbox-empty"' in page and "第一份申请" in page


def test_detail_page_queries_do_not_grow_with_the_history(world, web):
    flow(world)
    record, request = submitted(world)
    client = web(world.rep_a)
    url = f"/approvals/requisitions/{record.pk}/"
    one = _queries(client, url)
    with org_scope(world.org):
        services.reject(actor=world.manager, request=request, comment="再核实")
        request = services.submit(actor=world.rep_a, record=record, document="requisition")
        services.reject(actor=world.manager, request=request, comment="还是不行")
        services.submit(actor=world.rep_a, record=record, document="requisition")
    many = _queries(client, url)
    assert one == many
    page = client.get(url).content.decode()
    assert page.count('data-testid="approval-event"') == 5
    assert "还是不行" in page


def test_the_start_page_card_selector(world, rf):
    flow(world)
    for n in range(3):
        submitted(world, title=f"申请{n}")
    with org_scope(world.org):
        waiting, count = selectors.waiting_for(world.manager, limit=2)
    assert count == 3
    assert [request.title for request in waiting] == ["申请0", "申请1"]
    from django.template.loader import render_to_string

    html = render_to_string(
        "approvals/_waiting_card.html", {"waiting": waiting, "waiting_count": count}
    )
    assert html.count('data-testid="approvals-waiting-item"') == 2


def test_a_pending_requisition_cannot_be_edited_on_screen(world, web):
    flow(world)
    record, _request = submitted(world)
    client = web(world.rep_a)
    url = f"/approvals/requisitions/{record.pk}/edit/"
    response = client.get(url, follow=True)
    assert "审批中，不能修改" in response.content.decode()
    response = client.post(
        url, {"title": "改标题", "category": "purchase", "amount": "1", "version": record.version}
    )
    assert response.status_code == 422
    assert "审批中，不能修改" in response.content.decode()
    with org_scope(world.org):
        assert Requisition.objects.get(pk=record.pk).title == "采购笔记本电脑"


def test_rep_files_submits_and_manager_approves_on_screen(world, web):
    flow(world, conditions=[{"variable": "amount", "op": ">", "value": "5000"}])
    client = web(world.rep_a)
    response = client.post(
        "/approvals/requisitions/new/",
        {"title": "购买投影仪", "category": "purchase", "amount": "9000", "content": "会议室用"},
    )
    with org_scope(world.org):
        record = Requisition.objects.get(title="购买投影仪")
    assert response.status_code == 302
    client.post(f"/approvals/requisitions/{record.pk}/submit/")
    with org_scope(world.org):
        request = ApprovalRequest.objects.get(record_id=record.pk)
    assert request.status == "pending"

    manager = web(world.manager)
    detail = f"/approvals/requisitions/{record.pk}/"
    assert 'data-testid="approve"' in manager.get(detail).content.decode()
    # a rejection needs a comment: refused with a message, nothing changes
    response = manager.post(
        f"/approvals/requests/{request.pk}/reject/", {"next": detail}, follow=True
    )
    assert "驳回时请填写意见。" in response.content.decode()
    response = manager.post(
        f"/approvals/requests/{request.pk}/approve/", {"comment": "同意", "next": detail}
    )
    assert response.status_code == 302 and response["Location"] == detail
    with org_scope(world.org):
        assert Requisition.objects.get(pk=record.pk).status == "approved"


def test_people_see_only_their_requisitions(world, web):
    record = requisition(world)
    assert web(world.rep_b).get(f"/approvals/requisitions/{record.pk}/").status_code == 404
    assert web(world.admin).get(f"/approvals/requisitions/{record.pk}/").status_code == 200
    assert web(world.readonly).get("/approvals/requisitions/new/").status_code == 403
    page = web(world.rep_b).get("/approvals/requisitions/").content.decode()
    assert "采购笔记本电脑" not in page


def test_admin_defines_and_disables_a_flow_on_screen(world, web):
    client = web(world.admin)
    assert client.get("/approvals/flows/new/").status_code == 200
    data = {
        "document": "requisition",
        "name": "大额申请",
        "priority": "10",
        "is_active": "on",
        "cond-TOTAL_FORMS": "2",
        "cond-INITIAL_FORMS": "0",
        "cond-0-variable": "amount",
        "cond-0-op": ">",
        "cond-0-value": "5000",
        "cond-1-variable": "",
        "cond-1-op": ">",
        "cond-1-value": "",
        "step-TOTAL_FORMS": "2",
        "step-INITIAL_FORMS": "0",
        "step-0-kind": "manager",
        "step-0-mode": "any",
        "step-0-manager_levels": "1",
        "step-1-kind": "",
        "step-1-mode": "any",
    }
    bad = client.post("/approvals/flows/new/", {**data, "cond-0-value": "很多"})
    assert bad.status_code == 400
    assert "不是有效的数字" in bad.content.decode()
    response = client.post("/approvals/flows/new/", data)
    assert response.status_code == 302
    with org_scope(world.org):
        made = ApprovalFlow.objects.get()
    assert made.conditions == [{"variable": "amount", "op": ">", "value": "5000"}]
    page = client.get("/approvals/flows/").content.decode()
    assert "金额 &gt; 5000" in page
    assert client.get(f"/approvals/flows/{made.pk}/").status_code == 200
    client.post(f"/approvals/flows/{made.pk}/toggle/")
    with org_scope(world.org):
        assert not ApprovalFlow.objects.get().is_active
    assert web(world.rep_a).get("/approvals/flows/new/").status_code == 403


def test_approvers_and_submitters_are_notified(world):
    flow(world)
    record, request = submitted(world)
    with org_scope(world.org):
        waiting = Notification.objects.get(recipient=world.manager)
        assert waiting.kind == "approval_waiting"
        assert waiting.link == f"/approvals/requisitions/{record.pk}/"
        services.approve(actor=world.manager, request=request)
        decided = Notification.objects.get(recipient=world.rep_a)
    assert decided.kind == "approval_decided"
    assert decided.title == "审批已通过：采购笔记本电脑"


def test_requisition_and_flow_lists_cost_the_same_for_many_rows(world, web):
    requisition(world)
    flow(world, {"kind": "employees", "employees": [world.manager.pk, world.agent.pk]})
    client = web(world.admin)
    lists = ("/approvals/requisitions/?all=1", "/approvals/flows/")
    one = [_queries(client, url) for url in lists]
    with org_scope(world.org):
        role = world.manager.roles.get()
    for n in range(4):
        requisition(world, world.rep_b, title=f"申请{n}")
        flow(world, {"kind": "role", "role": role.pk}, name=f"流程{n}")
    assert [_queries(client, url) for url in lists] == one
    page = client.get("/approvals/requisitions/?all=1").content.decode()
    assert page.count('data-testid="requisition-row"') == 5
