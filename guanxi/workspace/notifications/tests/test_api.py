"""The notifications API: your own only (another employee's or org's id is 404), read,
read-all, unread count, filters; channel preferences; robots for setup people only."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.workspace.notifications import services
from guanxi.workspace.notifications.models import Notification, NotificationPreference, Robot

pytestmark = pytest.mark.django_db


def _notify(world, employee, kind="message", title="你好", **extra):
    with org_scope(world.org):
        return services.notify(recipients=[employee], kind=kind, title=title, **extra)[0]


def _read_at(notification):
    with all_orgs():
        return Notification.objects.get(pk=notification.pk).read_at


def test_list_shows_own_only_with_filters(world, api):
    mine = _notify(world, world.rep_a, link="/customers/5/", target=world.east)
    _notify(world, world.rep_a, kind="mention", title="提到你")
    theirs = _notify(world, world.rep_b)
    client = api(world.rep_a)
    items = client.get("/api/v1/notifications").json()["items"]
    assert [i["title"] for i in items] == ["提到你", "你好"]
    assert theirs.pk not in {i["id"] for i in items}
    first = next(i for i in items if i["id"] == mine.pk)
    assert first["link"] == "/customers/5/"
    assert first["target_type"] == "orgs.department" and first["target_id"] == world.east.pk
    assert first["kind_label"] == "消息" and first["read"] is False
    assert [
        i["kind"] for i in client.get("/api/v1/notifications?kind=mention").json()["items"]
    ] == ["mention"]
    assert client.get("/api/v1/notifications?kind=nope").status_code == 400
    client.post(f"/api/v1/notifications/{mine.pk}/read")
    unread = client.get("/api/v1/notifications?unread=true").json()["items"]
    assert [i["title"] for i in unread] == ["提到你"]
    read = client.get("/api/v1/notifications?unread=false").json()["items"]
    assert [i["id"] for i in read] == [mine.pk]


def test_another_employees_and_another_orgs_notification_is_404(world, other_world, api):
    theirs = _notify(world, world.rep_b)
    foreign = _notify(other_world, other_world.admin)
    for client in (api(world.rep_a), api(world.admin)):
        for notification in (theirs, foreign):
            assert client.get(f"/api/v1/notifications/{notification.pk}").status_code == 404
            assert client.post(f"/api/v1/notifications/{notification.pk}/read").status_code == 404
        client.post("/api/v1/notifications/read-all")
    assert _read_at(theirs) is None and _read_at(foreign) is None


def test_read_read_all_and_unread_count(world, api):
    first = _notify(world, world.readonly)
    _notify(world, world.readonly, kind="mention")
    _notify(world, world.readonly, kind="mention")
    client = api(world.readonly)  # read-only employees handle their own notifications
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}
    answer = client.post(f"/api/v1/notifications/{first.pk}/read")
    assert answer.status_code == 200 and answer.json()["read"] is True
    assert _read_at(first) is not None
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    assert client.post(f"/api/v1/notifications/{first.pk}/unread").json()["read"] is False
    assert client.post("/api/v1/notifications/read-all", {"kind": "mention"}).json() == {
        "marked": 2
    }
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_notifications_cannot_be_written_directly(world, api):
    mine = _notify(world, world.rep_a)
    client = api(world.rep_a)
    assert (
        client.post("/api/v1/notifications", {"title": "x", "kind": "message"}).status_code == 405
    )
    assert client.patch(f"/api/v1/notifications/{mine.pk}", {"title": "x"}).status_code == 405
    assert client.delete(f"/api/v1/notifications/{mine.pk}").status_code == 405
    assert api().get("/api/v1/notifications").status_code == 401


def test_preferences_list_and_choose(world, api):
    client = api(world.rep_a)
    items = {i["kind"]: i for i in client.get("/api/v1/notification-preferences").json()["items"]}
    assert items["approval_waiting"]["channels"] == ["app", "email"]
    assert items["approval_waiting"]["label"] == "待我审批"
    assert items["message"]["robot"] is False
    answer = client.patch(
        "/api/v1/notification-preferences/approval_waiting", {"channels": ["robot"]}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["channels"] == ["app", "robot"]
    assert client.get("/api/v1/notification-preferences/approval_waiting").json()["channels"] == [
        "app", "robot",
    ]  # fmt: skip
    bad = client.patch(
        "/api/v1/notification-preferences/approval_waiting", {"channels": ["sms"]}, format="json"
    )
    assert bad.status_code == 400 and "channels" in bad.json()["fields"]
    assert (
        client.patch(
            "/api/v1/notification-preferences/nope", {"channels": []}, format="json"
        ).status_code
        == 404
    )
    # someone else's choice is untouched and invisible
    other = api(world.rep_b).get("/api/v1/notification-preferences/approval_waiting").json()
    assert other["channels"] == ["app", "email"]
    with all_orgs():
        assert NotificationPreference.objects.filter(employee=world.rep_b).count() == 0


def test_robots_are_setup_only_and_keep_secrets(world, api):
    admin = api(world.admin)
    created = admin.post(
        "/api/v1/notification-robots",
        {
            "name": "华东群",
            "platform": "dingtalk",
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=tok1234",
            "secret": "SECabc",
            "department": world.east.pk,
            "kinds": ["birthday", "follow_up_overdue"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "secret" not in body and "webhook_url" not in body
    assert body["has_secret"] is True
    assert body["webhook_hint"] == "https://oapi.dingtalk.com/…1234"
    url = f"/api/v1/notification-robots/{body['id']}"
    # a blank secret on edit keeps the stored one
    admin.patch(url, {"secret": "", "name": "华东销售群"}, format="json")
    with all_orgs():
        robot = Robot.objects.get(pk=body["id"])
    assert robot.secret == "SECabc" and robot.name == "华东销售群"
    bad = admin.post(
        "/api/v1/notification-robots",
        {"name": "坏的", "platform": "wecom", "webhook_url": "ftp://x/y", "kinds": ["nope"]},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) >= {"webhook_url", "kinds"}
    stale = admin.patch(url, {"name": "x", "version": 1}, format="json")
    assert stale.status_code == 409
    for employee in (world.rep_a, world.readonly, world.manager):
        client = api(employee)
        assert client.get("/api/v1/notification-robots").status_code == 403
        assert client.get(url).status_code == 403
        assert client.post(f"{url}/test").status_code == 403
    assert admin.post(f"{url}/test").status_code == 202
