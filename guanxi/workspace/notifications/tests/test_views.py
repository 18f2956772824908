"""The bell, the list, opening a notification, the settings page and the robot screens."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.workspace.notifications import services
from guanxi.workspace.notifications.models import Notification, NotificationPreference, Robot

pytestmark = pytest.mark.django_db


def _notify(world, employee, n=1, kind="message", **extra):
    with org_scope(world.org):
        for i in range(n):
            services.notify(recipients=[employee], kind=kind, title=f"通知{i}", **extra)


def test_bell_shows_unread_count_and_latest(world, web):
    _notify(world, world.rep_a, 3, link="/customers/")
    _notify(world, world.rep_b, 2)
    page = web(world.rep_a).get("/notifications/bell/").content.decode()
    assert 'data-testid="bell-notifications-count">3<' in page
    assert page.count('data-testid="bell-notification"') == 3
    assert 'hx-trigger="every 60s"' in page  # keeps polling


def test_bell_empty(world, web):
    page = web(world.rep_a).get("/notifications/bell/").content.decode()
    assert "bell-notifications-count" not in page
    assert 'data-testid="bell-empty"' in page


def test_base_page_loads_the_bell_after_the_page(world, web):
    page = web(world.rep_a).get("/notifications/").content.decode()
    assert 'hx-get="/notifications/bell/" hx-trigger="load"' in page
    assert 'data-testid="bell-jobs"' in page and 'data-testid="bell-care"' in page


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_bell_and_list_queries_do_not_grow_with_notifications(world, web):
    client = web(world.rep_a)
    _notify(world, world.rep_a, 1)
    few_bell, few_list = (
        _queries(client, "/notifications/bell/"),
        _queries(client, "/notifications/"),
    )
    _notify(world, world.rep_a, 29, kind="mention", target=world.east)
    assert _queries(client, "/notifications/bell/") == few_bell
    assert _queries(client, "/notifications/") == few_list


def test_open_marks_read_and_goes_to_the_record(world, web):
    with org_scope(world.org):
        notification = services.notify(
            recipients=[world.rep_a], kind="message", title="看看", link="/customers/"
        )[0]
    client = web(world.rep_a)
    answer = client.get(f"/notifications/{notification.pk}/")
    assert answer.status_code == 302 and answer["Location"] == "/customers/"
    with all_orgs():
        assert Notification.objects.get(pk=notification.pk).read_at is not None
    # nobody else opens it
    assert web(world.rep_b).get(f"/notifications/{notification.pk}/").status_code == 404


def test_list_filters_and_pages(world, web):
    _notify(world, world.rep_a, 35)
    _notify(world, world.rep_a, 2, kind="mention")
    client = web(world.rep_a)
    first = client.get("/notifications/").content.decode()
    assert first.count('data-testid="notification-row"') == 30
    assert 'data-testid="next-page"' in first
    with all_orgs():
        ids = list(
            Notification.objects.filter(recipient=world.rep_a)
            .order_by("-id")
            .values_list("pk", flat=True)
        )
    second = client.get(f"/notifications/?before={ids[29]}").content.decode()
    assert second.count('data-testid="notification-row"') == 7
    assert 'data-testid="next-page"' not in second
    mentions = client.get("/notifications/?kind=mention").content.decode()
    assert mentions.count('data-testid="notification-row"') == 2
    client.post("/notifications/read-all/", {"kind": "mention"})
    unread = client.get("/notifications/?unread=true").content.decode()
    assert unread.count('data-testid="notification-row"') == 30  # 35 messages unread
    assert client.get("/notifications/?kind=nope").status_code == 200


def test_read_all_from_the_bell_returns_to_the_page(world, web):
    _notify(world, world.rep_a, 2)
    answer = web(world.rep_a).post("/notifications/read-all/", {"next": "/customers/"})
    assert answer["Location"] == "/customers/"
    with all_orgs():
        assert not Notification.objects.filter(recipient=world.rep_a, read_at__isnull=True).exists()


def test_settings_page_saves_my_channels(world, web):
    client = web(world.readonly)
    page = client.get("/notifications/settings/").content.decode()
    assert 'data-kind="approval_waiting"' in page
    assert 'data-testid="pref-robot-message"' not in page  # private kinds never go to robots
    answer = client.post(
        "/notifications/settings/",
        {"channels-mention": ["email", "robot"], "channels-approval_waiting": []},
    )
    assert answer.status_code == 302
    with all_orgs():
        chosen = dict(
            NotificationPreference.objects.filter(employee=world.readonly).values_list(
                "kind", "channels"
            )
        )
    assert chosen["mention"] == ["email", "robot"]
    assert chosen["approval_waiting"] == []


def test_robot_screens_are_for_setup_people(world, web):
    for employee in (world.rep_a, world.readonly, world.manager):
        client = web(employee)
        assert client.get("/notifications/robots/").status_code == 403
        assert (
            client.post(
                "/notifications/robots/new/",
                {"name": "x", "platform": "wecom", "webhook_url": "https://example.com/x"},
            ).status_code
            == 403
        )
    with all_orgs():
        assert not Robot.objects.exists()


def test_admin_adds_edits_and_deletes_a_robot(world, web):
    client = web(world.admin)
    bad = client.post(
        "/notifications/robots/new/",
        {"name": "坏的", "platform": "wecom", "webhook_url": "ftp://x"},
    )
    assert bad.status_code == 400
    assert "http://" in bad.content.decode()
    answer = client.post(
        "/notifications/robots/new/",
        {
            "name": "华东群",
            "platform": "feishu",
            "webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/abcd1234",
            "secret": "s3cret",
            "department": world.east.pk,
            "kinds": ["birthday"],
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    with all_orgs():
        robot = Robot.objects.get()
    assert robot.secret == "s3cret" and robot.department_id == world.east.pk
    edit = client.get(f"/notifications/robots/{robot.pk}/").content.decode()
    assert "s3cret" not in edit and "abcd1234" not in edit.replace("…1234", "")
    client.post(
        f"/notifications/robots/{robot.pk}/",
        {"name": "华东销售群", "platform": "feishu", "webhook_url": "", "secret": "",
         "version": robot.version, "is_active": "on"},
    )  # fmt: skip
    with all_orgs():
        robot.refresh_from_db()
    assert robot.name == "华东销售群" and robot.secret == "s3cret"
    assert robot.webhook_url.endswith("abcd1234") and robot.department_id is None
    assert "华东销售群" in client.get("/notifications/robots/").content.decode()
    client.post(f"/notifications/robots/{robot.pk}/delete/")
    with all_orgs():
        assert not Robot.objects.exists()
