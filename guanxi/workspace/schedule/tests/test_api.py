"""``/api/v1/tasks`` and ``/api/v1/events``: contract, filters, errors."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace.schedule import services
from guanxi.workspace.schedule.models import Event, Task

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(day, hour=9):
    return datetime.datetime(2026, 12, day, hour, 0, tzinfo=TZ)


def test_task_contract_and_complete(world, api):
    client = api(world.rep_a)
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_a, name="宁波港务")
    created = client.post(
        "/api/v1/tasks",
        {
            "title": "寄送报价单",
            "due_at": at(3, 10).isoformat(),
            "customer": customer.pk,
            "priority": "high",
            "reminder_minutes": 30,
            "participants": [world.manager.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    for key in (
        "id",
        "title",
        "due_at",
        "assignee",
        "status",
        "customer",
        "participants",
        "version",
    ):
        assert key in body
    assert body["assignee"] == world.rep_a.pk and body["status"] == "open"
    assert body["participants"] == [world.manager.pk]

    done = client.post(f"/api/v1/tasks/{body['id']}/complete", {}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["completed_at"]
    again = client.post(f"/api/v1/tasks/{body['id']}/complete", {}, format="json")
    assert again.status_code == 400
    with org_scope(world.org):
        assert Task.objects.get(pk=body["id"]).status == "done"


def test_event_contract_and_stale_version(world, api):
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/events",
        {"title": "客户拜访", "starts_at": at(4, 14).isoformat(), "location": "杭州"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ends_at"] == at(4, 15).isoformat()
    assert body["assignee"] == world.rep_a.pk
    url = f"/api/v1/events/{body['id']}"
    assert client.patch(url, {"title": "拜访A", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"title": "拜访B", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    bad = client.patch(url, {"ends_at": at(4, 13).isoformat()}, format="json")
    assert bad.status_code == 400 and "ends_at" in bad.json()["fields"]
    with org_scope(world.org):
        event = Event.objects.get(pk=body["id"])
    assert event.title == "拜访A" and event.ends_at == at(4, 15)


def test_filters_window_assignee_status_customer(world, api):
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.manager, name="苏州纺织")
        early = services.task_create(actor=world.manager, title="早", due_at=at(2))
        late = services.task_create(
            actor=world.manager, title="晚", due_at=at(20), assignee=world.rep_a, customer=customer
        )
        services.task_complete(actor=world.manager, task=early)
        long_event = services.event_create(
            actor=world.manager, title="长会", starts_at=at(1), ends_at=at(10)
        )
        services.event_create(actor=world.manager, title="后来", starts_at=at(25))
    client = api(world.manager)

    def ids(path, **params):
        response = client.get(path, params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    window = {"from": at(15, 0).isoformat(), "to": at(21, 0).isoformat()}
    assert ids("/api/v1/tasks", **window) == {late.pk}
    assert ids("/api/v1/tasks", assignee=world.rep_a.pk) == {late.pk}
    assert ids("/api/v1/tasks", status="done") == {early.pk}
    assert ids("/api/v1/tasks", customer=customer.pk) == {late.pk}
    # an event that started before the window and goes on into it is in it
    assert ids("/api/v1/events", **{"from": "2026-12-05", "to": "2026-12-06"}) == {long_event.pk}


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-12-10", "to": "2026-12-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"from": "not a date"},
        {"assignee": "-4.5e+184"},
        {"status": "later"},
    ],
)
def test_bad_filters_are_400(world, api, params):
    response = api(world.rep_a).get("/api/v1/tasks", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    if "to" in params:
        assert api(world.rep_a).get("/api/v1/events", params).status_code == 400


def test_other_orgs_and_invisible_records_are_404_and_unchanged(world, other_world, api):
    with org_scope(other_world.org):
        foreign = services.task_create(actor=other_world.admin, title="别家的任务")
    with org_scope(world.org):
        theirs = services.task_create(actor=world.rep_b, title="李四的任务")
    client = api(world.rep_a)
    for task in (foreign, theirs):
        assert client.post(f"/api/v1/tasks/{task.pk}/complete", {}).status_code == 404
        assert client.patch(f"/api/v1/tasks/{task.pk}", {"title": "x"}).status_code == 404
    with org_scope(world.org):
        assert Task.objects.get(pk=theirs.pk).status == "open"
    # another org's customer cannot be linked
    with org_scope(other_world.org):
        foreign_customer = customer_services.customer_create(
            actor=other_world.admin, name="别家客户"
        )
    response = client.post(
        "/api/v1/tasks", {"title": "偷看", "customer": foreign_customer.pk}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()["fields"]


def test_list_query_count_is_constant(world, api):
    client = api(world.rep_a)
    with org_scope(world.org):
        services.task_create(actor=world.rep_a, title="一", participants=[world.rep_b])
    assert client.get("/api/v1/tasks").status_code == 200  # the token's first use is noted
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/tasks").status_code == 200
    with org_scope(world.org):
        for n in range(15):
            services.task_create(actor=world.rep_a, title=f"任务{n}", participants=[world.rep_b])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/tasks")
    assert len(response.json()["items"]) == 16
    assert len(many.captured_queries) == len(one.captured_queries)
