"""The routing and SLA API: setup resources (permissions, validation, stale versions,
other orgs), the agent board, the status switch and the SLA of listed tickets."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.routing import services
from guanxi.service.routing.models import ServiceQueue, SlaPolicy
from guanxi.service.routing.tests.helpers import agent, assigned, queue, route, sla, ticket

pytestmark = pytest.mark.django_db


def test_admin_creates_a_queue_and_reads_it_back(world, api):
    response = api(world.admin).post(
        "/api/v1/service-queues",
        {
            "name": "售后维修组",
            "team": world.service.pk,
            "categories": ["repair"],
            "skills": ["repair"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["team"] == world.service.pk and body["team_name"] == "客服部"
    assert body["categories"] == ["repair"] and body["products"] == []
    listing = api(world.admin).get("/api/v1/service-queues").json()
    assert [item["name"] for item in listing["items"]] == ["售后维修组"]


def test_bad_queue_input_is_a_400_naming_the_fields_and_writes_nothing(world, other_world, api):
    response = api(world.admin).post(
        "/api/v1/service-queues",
        {"name": "坏队列", "team": other_world.service.pk, "categories": ["nope"]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"team", "categories"}
    with org_scope(world.org):
        assert not ServiceQueue.objects.exists()


def test_setup_needs_service_setup_rights(world, api):
    made = queue(world)
    assert api(world.agent).get("/api/v1/service-queues").status_code == 403
    assert api(world.readonly).get("/api/v1/sla-policies").status_code == 200
    response = api(world.readonly).patch(
        f"/api/v1/service-queues/{made.pk}", {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    with org_scope(world.org):
        assert ServiceQueue.objects.get(pk=made.pk).name == "售后维修组"


def test_a_stale_policy_edit_is_a_409(world, api):
    made = sla(world)
    client = api(world.admin)
    first = client.patch(
        f"/api/v1/sla-policies/{made.pk}", {"resolution_minutes": 600, "version": 1}, format="json"
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/sla-policies/{made.pk}", {"resolution_minutes": 700, "version": 1}, format="json"
    )
    assert stale.status_code == 409
    with org_scope(world.org):
        assert SlaPolicy.objects.get(pk=made.pk).resolution_minutes == 600


def test_policy_validation_errors_are_readable(world, api):
    response = api(world.admin).post(
        "/api/v1/sla-policies",
        {
            "name": "坏策略",
            "priority": "huge",
            "customer_level": "gold",
            "first_response_minutes": 600,
            "resolution_minutes": 60,
            "escalate_to": "employee",
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"priority", "customer_level", "resolution_minutes", "escalate_employee"}
    assert "解决时限不能短于首次响应时限" in fields["resolution_minutes"][0]


def test_policy_list_query_count_does_not_grow(world, api, django_assert_max_num_queries):
    client = api(world.admin)
    sla(world, "一")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/sla-policies")
    for index in range(6):
        sla(world, f"策略{index}", escalate_to="employee", escalate_employee=world.admin.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/sla-policies").json()["count"] == 7


def test_queue_list_query_count_does_not_grow(world, api, django_assert_max_num_queries):
    client = api(world.admin)
    queue(world, "一")
    with django_assert_max_num_queries(14) as few:
        client.get("/api/v1/service-queues")
    for index in range(5):
        queue(world, f"队列{index}", skills=["repair"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/service-queues").json()["count"] == 6


def test_the_board_lists_agents_with_load_and_idle_time(world, api):
    queue(world)
    online = agent(world, "周一", skills=["repair"])
    assigned(world, online)
    route(world, ticket(world))  # goes to 周一 (the only one online)
    waiting_queue = queue(world, "咨询", categories=["consultation"])
    with org_scope(world.org):
        services.queue_update(actor=world.admin, queue=waiting_queue, team=world.sales.pk)
    body = api(world.agent).get("/api/v1/service/agents").json()
    rows = {row["name"]: row for row in body["items"]}
    assert rows["周一"]["open_load"] == 2 and rows["周一"]["service_status"] == "online"
    assert rows["周一"]["skill_labels"] == ["维修"] and rows["周一"]["idle_seconds"] is not None
    assert rows["钱七"]["service_status"] == "offline" and rows["钱七"]["idle_seconds"] is None
    assert [queue_row["name"] for queue_row in body["queues"]] == ["售后维修组"]


def test_the_board_query_count_does_not_grow_with_agents_or_tickets(
    world, api, django_assert_max_num_queries
):
    queue(world)
    client = api(world.agent)
    with django_assert_max_num_queries(20) as few:
        client.get("/api/v1/service/agents")
    for index in range(4):
        worker = agent(world, f"坐席{index}", skills=["repair"], status="offline")
        assigned(world, worker)
        route(world, ticket(world))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/v1/service/agents").json()
    assert body["count"] == 5 and body["queues"][0]["waiting"] == 4


def test_going_online_through_the_api_takes_a_waiting_ticket(world, api):
    queue(world)
    waiting = route(world, ticket(world))
    body = api(world.agent).post(
        "/api/v1/service/status", {"service_status": "online"}, format="json"
    )
    assert body.status_code == 200
    mine = next(row for row in body.json()["items"] if row["id"] == world.agent.pk)
    assert mine["service_status"] == "online" and mine["open_load"] == 1
    with org_scope(world.org):
        waiting.refresh_from_db()
    assert waiting.assignee_id == world.agent.pk
    bad = api(world.agent).post("/api/v1/service/status", {"service_status": "away"}, format="json")
    assert bad.status_code == 400


def test_the_board_needs_tickets_view(world, api):
    assert api(world.rep_a).get("/api/v1/service/agents").status_code == 403


def test_tickets_sla_answers_for_visible_tickets_with_a_clock(world, other_world, api):
    sla(world, "普通")
    sla(other_world, "普通")
    mine = ticket(world)
    theirs = ticket(other_world)
    with org_scope(world.org):
        services.sla_start(ticket=mine)
    with org_scope(other_world.org):
        services.sla_start(ticket=theirs)
    response = api(world.agent).get("/api/v1/tickets-sla", {"ids": f"{mine.pk},{theirs.pk}"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["ticket"] for item in items] == [mine.pk]
    assert items[0]["label"] == "普通" and items[0]["first_response"]["state"] == "ok"
    assert api(world.agent).get("/api/v1/tickets-sla", {"ids": "1,x"}).status_code == 400
