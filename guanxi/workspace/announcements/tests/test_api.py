"""``/api/v1/announcements``: reading without a permission, writing with one, receipts,
bad input, and isolation between orgs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.workspace.announcements.models import Announcement, AnnouncementRead
from guanxi.workspace.announcements.tests.helpers import draft, publish
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db
URL = "/api/v1/announcements"


def test_every_employee_lists_what_is_addressed_to_them(world, api):
    publish(world, title="全员")
    publish(world, title="销售部", audience="departments", departments=[world.sales.pk])
    draft(world, title="草稿")
    agent = api(world.agent).get(URL).json()
    assert [item["title"] for item in agent["items"]] == ["全员"]
    rep = api(world.rep_a).get(URL).json()
    assert {item["title"] for item in rep["items"]} == {"全员", "销售部"}
    assert rep["count"] == 2
    assert all(item["is_read"] is False for item in rep["items"])


def test_unread_filter_read_and_read_all(world, api):
    first = publish(world, title="一")
    publish(world, title="二")
    client = api(world.rep_a)
    response = client.post(f"{URL}/{first.pk}/read")
    assert response.status_code == 200, response.content
    assert response.json()["is_read"] is True
    assert client.post(f"{URL}/{first.pk}/read").status_code == 200  # idempotent
    unread = client.get(URL, {"unread": "1"}).json()["items"]
    assert [item["title"] for item in unread] == ["二"]
    assert client.post(f"{URL}/read-all").json() == {"marked": 1}
    assert client.get(URL, {"unread": "1"}).json()["items"] == []
    with org_scope(world.org):
        assert AnnouncementRead.objects.filter(employee=world.rep_a).count() == 2


def test_writer_creates_publishes_withdraws(world, api):
    client = api(world.manager)  # sales manager: announcements view/create/edit
    created = client.post(
        URL,
        {
            "title": "季度冲刺",
            "body": "<b>加油</b>",
            "audience": "departments",
            "departments": [world.east.pk],
            "pinned": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["departments"] == [world.east.pk]
    assert body["body"] == "<b>加油</b>"  # stored as typed; rendered escaped
    pk = body["id"]
    published = client.post(f"{URL}/{pk}/publish", {"version": body["version"]}, format="json")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    with org_scope(world.org):
        assert list(
            Notification.objects.filter(kind="announcement").values_list("recipient", flat=True)
        ) == [world.rep_a.pk]
    assert client.post(f"{URL}/{pk}/publish").status_code == 422
    stale = client.post(f"{URL}/{pk}/withdraw", {"version": 1}, format="json")
    assert stale.status_code == 409
    assert client.post(f"{URL}/{pk}/withdraw").json()["status"] == "withdrawn"
    assert api(world.rep_a).get(URL).json()["items"] == []


def test_create_and_publish_at_once(world, api):
    response = api(world.admin).post(
        f"{URL}?publish=1", {"title": "马上发布", "audience": "all"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "published"
    assert [i["title"] for i in api(world.rep_b).get(URL).json()["items"]] == ["马上发布"]


def test_bad_input_is_a_400_with_translated_messages(world, other_world, api):
    client = api(world.admin)
    for payload, field in [
        ({"title": ""}, "title"),
        ({"title": "t", "audience": "departments"}, "departments"),
        ({"title": "t", "audience": "departments", "departments": [other_world.sales.pk]},
         "departments"),
        ({"title": "t", "audience": "departments", "departments": ["x"]}, "departments"),
        ({"title": "t", "audience": "everyone"}, "audience"),
        ({"title": "t", "expires_at": "soon"}, "expires_at"),
        ({"title": "t", "departments": "1"}, "departments"),
        ({"title": ["t"]}, "title"),
    ]:  # fmt: skip
        response = client.post(URL, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json()["fields"], (payload, response.json())
    english = client.post(
        URL, {"title": "t", "audience": "departments"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 400
    with org_scope(world.org):
        assert Announcement.objects.count() == 0
    announcement = publish(world)
    assert (
        client.post(
            f"{URL}/{announcement.pk}/withdraw", {"version": "x"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.patch(f"{URL}/{announcement.pk}", {"status": "draft"}, format="json").json()[
            "status"
        ]
        == "published"
    )


def test_english_messages(world, api):
    response = api(world.admin).post(
        URL,
        {"title": "t", "audience": "departments"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Choose at least one department, or publish to everyone."


def test_permissions(world, api):
    announcement = publish(world)
    rep = api(world.rep_a)
    assert rep.get(f"{URL}/{announcement.pk}").status_code == 200  # addressed to them
    assert rep.post(URL, {"title": "x"}, format="json").status_code == 403
    assert rep.patch(f"{URL}/{announcement.pk}", {"title": "x"}, format="json").status_code == 403
    assert rep.post(f"{URL}/{announcement.pk}/withdraw").status_code == 403
    assert rep.delete(f"{URL}/{announcement.pk}").status_code == 403
    assert rep.get(f"{URL}/{announcement.pk}/receipts").status_code == 403
    manager = api(world.manager)
    assert manager.delete(f"{URL}/{announcement.pk}").status_code == 403  # no delete
    with org_scope(world.org):
        assert Announcement.objects.get(pk=announcement.pk).title == "年会通知"
    # not addressed and no view permission: 404
    sales_only = publish(world, audience="departments", departments=[world.sales.pk])
    assert api(world.agent).get(f"{URL}/{sales_only.pk}").status_code == 404
    assert api(world.agent).post(f"{URL}/{sales_only.pk}/read").status_code == 404
    # a draft is not shown to its audience
    a_draft = draft(world)
    assert rep.get(f"{URL}/{a_draft.pk}").status_code == 404
    assert api(world.admin).delete(f"{URL}/{announcement.pk}").status_code == 204


def test_all_listing_needs_the_view_permission(world, api):
    draft(world, title="草稿")
    publish(world, title="已发布")
    assert {i["title"] for i in api(world.admin).get(URL, {"all": "1"}).json()["items"]} == {
        "草稿",
        "已发布",
    }
    assert [i["title"] for i in api(world.rep_a).get(URL, {"all": "1"}).json()["items"]] == [
        "已发布"
    ]


def test_receipts(world, api):
    announcement = publish(world, audience="departments", departments=[world.sales.pk])
    api(world.rep_b).post(f"{URL}/{announcement.pk}/read")
    response = api(world.manager).get(f"{URL}/{announcement.pk}/receipts")
    assert response.status_code == 200
    data = response.json()
    assert (data["read_count"], data["unread_count"]) == (1, 3)
    assert data["read"][0]["name"] == "李四" and data["read"][0]["read_at"]
    assert {row["name"] for row in data["unread"]} == {"王经理", "张三", "赵六"}


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_and_receipts_cost_a_fixed_number_of_queries(world, api):
    client, rep = api(world.admin), api(world.rep_a)
    client.get(URL), rep.get(URL)  # the token's first use is recorded once: warm up
    first = publish(world, audience="departments", departments=[world.sales.pk, world.east.pk])
    list_few = _queries(client, f"{URL}?all=1")
    feed_few = _queries(rep, URL)
    receipts_few = _queries(client, f"{URL}/{first.pk}/receipts")
    for n in range(12):
        publish(world, title=f"公告{n}", audience="departments", departments=[world.north.pk])
        reader = EmployeeFactory(org=world.org, department=world.east)
        api(reader).post(f"{URL}/{first.pk}/read")
        EmployeeFactory(org=world.org, department=world.north)
    assert _queries(client, f"{URL}?all=1") == list_few
    assert _queries(rep, URL) == feed_few
    assert _queries(client, f"{URL}/{first.pk}/receipts") == receipts_few
    assert max(list_few, feed_few, receipts_few) <= 10
