"""``/api/v1/service-projects``: the contract's fields, filters, the transition, the nested
tasks, milestones and time entries, the summary, error codes, and isolation — another
org's project is a 404 everywhere, a colleague's is invisible unless one takes part."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.service.projects.models import ServiceProject, TimeEntry
from guanxi.service.projects.tests import helpers as h

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "code",
    "name",
    "customer",
    "contact",
    "service_contract",
    "owner",
    "members",
    "status",
    "start_date",
    "due_date",
    "budget_hours",
    "logged_hours",
    "progress",
    "description",
    "version",
}


def _day(n):
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def test_create_list_retrieve_and_update(world, api):
    client = h.customer(world)
    agent = api(world.agent)
    created = agent.post(
        "/api/v1/service-projects",
        {
            "customer": client.pk,
            "name": "生产线设备安装调试",
            "members": [world.rep_a.pk],
            "start_date": _day(0),
            "due_date": _day(30),
            "budget_hours": "120",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == FIELDS
    assert body["status"] == "planned" and body["owner"] == world.agent.pk
    assert body["members"] == [world.rep_a.pk]
    assert body["logged_hours"] == "0.00" and body["progress"] == 0
    url = f"/api/v1/service-projects/{body['id']}"
    listing = agent.get("/api/v1/service-projects", {"status": "planned"}).json()
    assert [row["id"] for row in listing["items"]] == [body["id"]]
    assert listing["count"] == 1
    assert agent.get("/api/v1/service-projects", {"status": "completed"}).json()["count"] == 0
    assert agent.get("/api/v1/service-projects", {"customer": client.pk}).json()["count"] == 1
    assert agent.get("/api/v1/service-projects", {"owner": world.admin.pk}).json()["count"] == 0
    changed = agent.patch(url, {"name": "设备安装调试（二期）", "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = agent.patch(url, {"name": "过期的修改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert agent.get(url).json()["name"] == "设备安装调试（二期）"


def test_bad_input_answers_400_with_fields(world, api):
    client = h.customer(world)
    answer = api(world.agent).post(
        "/api/v1/service-projects",
        {"customer": client.pk, "name": "巡检", "start_date": _day(5), "due_date": _day(1)},
        format="json",
    )
    assert answer.status_code == 400
    assert "due_date" in answer.json()["fields"]
    with org_scope(world.org):
        assert not ServiceProject.objects.exists()


def test_transition_and_completion_rule(world, api):
    made = h.project(world)
    agent = api(world.agent)
    url = f"/api/v1/service-projects/{made.pk}"
    bad = agent.post(f"{url}/transition", {"status": "completed"}, format="json")
    assert bad.status_code == 422 and bad.json()["code"] == "project_bad_transition"
    assert (
        agent.post(f"{url}/transition", {"status": "in_progress"}, format="json").json()["status"]
        == "in_progress"
    )
    task = agent.post(f"{url}/tasks", {"title": "设备就位"}, format="json").json()
    refused = agent.post(f"{url}/transition", {"status": "completed"}, format="json")
    assert refused.status_code == 422 and refused.json()["code"] == "project_not_finished"
    agent.patch(f"{url}/tasks/{task['id']}", {"status": "done"}, format="json")
    done = agent.post(f"{url}/transition", {"status": "completed"}, format="json")
    assert done.status_code == 200 and done.json()["progress"] == 100


def test_nested_tasks_milestones_time_entries_and_summary(world, api, agent_b):
    made = h.started(world, budget_hours="10")
    agent = api(world.agent)
    url = f"/api/v1/service-projects/{made.pk}"
    stone = agent.post(
        f"{url}/milestones", {"name": "到货验收", "due_date": _day(3)}, format="json"
    )
    assert stone.status_code == 201, stone.content
    stone_id = stone.json()["id"]
    task = agent.post(
        f"{url}/tasks",
        {"title": "开箱检查", "milestone": stone_id, "assignee": agent_b.pk, "planned_hours": "4"},
        format="json",
    )
    assert task.status_code == 201, task.content
    task_id = task.json()["id"]
    assert agent.get(url).json()["members"] == [agent_b.pk]
    early = agent.patch(f"{url}/milestones/{stone_id}", {"reached_on": _day(0)}, format="json")
    assert early.status_code == 422 and early.json()["code"] == "milestone_tasks_open"
    logged = agent.post(
        f"{url}/time-entries", {"task": task_id, "hours": "2.5", "note": "开箱"}, format="json"
    )
    assert logged.status_code == 201, logged.content
    assert logged.json()["employee"] == world.agent.pk
    entry_id = logged.json()["id"]
    too_much = agent.post(f"{url}/time-entries", {"hours": "22"}, format="json")
    assert too_much.status_code == 422 and too_much.json()["code"] == "day_hours_exceeded"
    future = agent.post(f"{url}/time-entries", {"hours": "1", "work_date": _day(2)}, format="json")
    assert future.status_code == 400 and "work_date" in future.json()["fields"]
    assert (
        agent.patch(f"{url}/time-entries/{entry_id}", {"hours": "3"}, format="json").json()["hours"]
        == "3.00"
    )
    assert (
        agent.patch(f"{url}/tasks/{task_id}", {"status": "done"}, format="json").json()[
            "logged_hours"
        ]
        == "3.00"
    )
    reached = agent.patch(f"{url}/milestones/{stone_id}", {"reached_on": _day(0)}, format="json")
    assert reached.status_code == 200 and reached.json()["reached_on"] == _day(0)
    summary = agent.get(f"{url}/summary").json()
    assert summary["logged_hours"] == "3.00"
    assert summary["progress"] == 100
    assert summary["next_milestone"] is None
    assert summary["hours_by_employee"][0]["employee"] == world.agent.pk
    assert agent.get(f"{url}/tasks").json()["count"] == 1
    assert agent.get(f"{url}/milestones").json()["items"][0]["tasks_open"] == 0
    assert agent.get(f"{url}/time-entries").json()["count"] == 1
    assert agent.get(url).json()["logged_hours"] == "3.00"
    assert agent.delete(f"{url}/time-entries/{entry_id}").status_code == 204
    assert agent.delete(f"{url}/tasks/{task_id}").status_code == 204
    assert agent.delete(f"{url}/milestones/{stone_id}").status_code == 204
    assert agent.get(f"{url}/tasks/{task_id}").status_code == 404


def test_another_orgs_project_and_its_children_are_404(world, other_world, api):
    foreign = h.started(other_world)
    stone = h.milestone(other_world, foreign)
    client = api(world.admin)
    url = f"/api/v1/service-projects/{foreign.pk}"
    for path in (
        "",
        "/summary",
        "/tasks",
        "/milestones",
        "/time-entries",
        f"/milestones/{stone.pk}",
    ):
        assert client.get(f"{url}{path}").status_code == 404
    assert client.post(f"{url}/time-entries", {"hours": "1"}, format="json").status_code == 404
    assert client.post(f"{url}/tasks", {"title": "x"}, format="json").status_code == 404
    assert client.post(f"{url}/transition", {"status": "on_hold"}, format="json").status_code == 404
    with org_scope(other_world.org):
        assert not TimeEntry.objects.exists()
        assert ServiceProject.objects.get(pk=foreign.pk).status == "in_progress"


def test_a_colleagues_project_is_invisible_until_one_takes_part(world, api, agent_b, viewer):
    made = h.started(world)
    url = f"/api/v1/service-projects/{made.pk}"
    assert api(agent_b).get(url).status_code == 404
    assert api(agent_b).get("/api/v1/service-projects").json()["count"] == 0
    assert api(world.rep_a).get(url).status_code in (403, 404)
    api(world.agent).patch(url, {"members": [viewer.pk]}, format="json")
    as_viewer = api(viewer)
    assert as_viewer.get(url).status_code == 200
    # view only: own hours yes, a change of the project no
    assert as_viewer.post(f"{url}/time-entries", {"hours": "1"}, format="json").status_code == 201
    other = as_viewer.post(
        f"{url}/time-entries", {"hours": "1", "employee": world.agent.pk}, format="json"
    )
    assert other.status_code == 403
    assert as_viewer.patch(url, {"name": "改名"}, format="json").status_code == 403
    assert as_viewer.post(f"{url}/tasks", {"title": "x"}, format="json").status_code == 403
    with org_scope(world.org):
        assert TimeEntry.objects.count() == 1
        assert ServiceProject.objects.get(pk=made.pk).name == "生产线设备安装调试"


def test_readonly_cannot_write(world, api):
    made = h.started(world)
    client = api(world.readonly)
    url = f"/api/v1/service-projects/{made.pk}"
    assert client.post(f"{url}/transition", {"status": "on_hold"}, format="json").status_code in (
        403,
        404,
    )
    assert client.delete(url).status_code in (403, 404)
    with org_scope(world.org):
        assert ServiceProject.objects.get(pk=made.pk).status == "in_progress"


def test_openapi_document_lists_the_nested_paths(api, world):
    schema = api(world.admin).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/service-projects",
        "/api/v1/service-projects/{id}/transition",
        "/api/v1/service-projects/{id}/tasks",
        "/api/v1/service-projects/{id}/tasks/{task_id}",
        "/api/v1/service-projects/{id}/milestones",
        "/api/v1/service-projects/{id}/time-entries",
        "/api/v1/service-projects/{id}/time-entries/{entry_id}",
        "/api/v1/service-projects/{id}/summary",
    ):
        assert path in paths, path
