"""The announcement screens: my list, the detail (marks read, body escaped), compose,
publish / withdraw / delete buttons, the receipts page and the start page card."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.workspace.announcements.models import Announcement, AnnouncementRead
from guanxi.workspace.announcements.tests.helpers import draft, publish

pytestmark = pytest.mark.django_db


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_my_list_shows_unread_bold_and_pinned_first(world, web):
    read = publish(world, title="看过的")
    publish(world, title="置顶公告", pinned=True)
    with org_scope(world.org):
        AnnouncementRead.objects.create(
            org=world.org, announcement=read, employee=world.rep_a, read_at=read.published_at
        )
    html = web(world.rep_a).get("/announcements/").content.decode()
    assert html.index("置顶公告") < html.index("看过的")
    assert 'data-read="0"' in html and 'data-read="1"' in html
    assert "发布公告" not in html  # a rep may not write one


def test_list_pages_and_costs_the_same_queries(world, web):
    client = web(world.rep_a)
    publish(world, title="第一条")
    client.get("/announcements/")
    _response, few = _get(client, "/announcements/")
    for n in range(25):
        publish(world, title=f"公告{n}")
    response, many = _get(client, "/announcements/")
    assert many == few
    assert response.content.decode().count('data-testid="announcement-row"') == 20
    second = client.get("/announcements/?page=2").content.decode()
    assert second.count('data-testid="announcement-row"') == 6


def test_detail_marks_read_and_escapes_the_body(world, web):
    announcement = publish(world, body="<img src=x onerror=alert(1)> **注意**")
    response = web(world.rep_a).get(f"/announcements/{announcement.pk}/")
    html = response.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert "<strong>注意</strong>" in html
    with org_scope(world.org):
        assert AnnouncementRead.objects.filter(employee=world.rep_a).count() == 1


def test_not_addressed_is_404(world, web):
    announcement = publish(world, audience="departments", departments=[world.sales.pk])
    assert web(world.agent).get(f"/announcements/{announcement.pk}/").status_code == 404


def test_compose_with_department_picker_and_publish(world, web):
    client = web(world.manager)
    page = client.get("/announcements/new/").content.decode()
    assert "华东组" in page and "客服部" in page
    response = client.post(
        "/announcements/new/",
        {
            "title": "华东组周会",
            "body": "周一九点",
            "audience": "departments",
            "departments": [str(world.east.pk)],
            "include_children": "on",
            "publish": "1",
        },
    )
    assert response.status_code == 302
    with org_scope(world.org):
        announcement = Announcement.objects.get()
    assert announcement.status == "published" and announcement.author_id == world.manager.pk
    assert "华东组周会" in web(world.rep_a).get("/announcements/").content.decode()


def test_compose_refusal_keeps_the_form(world, web):
    response = web(world.admin).post(
        "/announcements/new/", {"title": "没选部门", "audience": "departments"}
    )
    assert response.status_code == 400
    assert "请选择至少一个部门" in response.content.decode()
    with org_scope(world.org):
        assert not Announcement.objects.exists()


def test_a_rep_cannot_compose(world, web):
    assert web(world.rep_a).get("/announcements/new/").status_code == 403


def test_edit_withdraw_publish_delete_buttons(world, web):
    announcement = draft(world, title="草稿")
    client = web(world.admin)
    response = client.post(
        f"/announcements/{announcement.pk}/edit/",
        {"title": "改过的", "audience": "all", "version": "1"},
    )
    assert response.status_code == 302
    client.post(f"/announcements/{announcement.pk}/publish/", {"version": "2"})
    with org_scope(world.org):
        assert Announcement.objects.get().status == "published"
    stale = client.post(
        f"/announcements/{announcement.pk}/withdraw/", {"version": "1"}, follow=True
    )
    assert "已被他人修改" in stale.content.decode()
    client.post(f"/announcements/{announcement.pk}/withdraw/")
    with org_scope(world.org):
        assert Announcement.objects.get().status == "withdrawn"
    assert client.post(f"/announcements/{announcement.pk}/nonsense/").status_code == 302
    client.post(f"/announcements/{announcement.pk}/delete/")
    with org_scope(world.org):
        assert not Announcement.objects.exists()


def test_rep_cannot_withdraw_through_the_button(world, web):
    announcement = publish(world)
    web(world.rep_a).post(f"/announcements/{announcement.pk}/withdraw/")
    with org_scope(world.org):
        assert Announcement.objects.get().status == "published"


def test_receipts_page_and_its_fixed_query_count(world, web):
    announcement = publish(world, audience="departments", departments=[world.sales.pk])
    web(world.rep_a).get(f"/announcements/{announcement.pk}/")
    client = web(world.manager)
    client.get(f"/announcements/{announcement.pk}/receipts/")
    response, few = _get(client, f"/announcements/{announcement.pk}/receipts/")
    html = response.content.decode()
    assert 'data-testid="read-count">1<' in html and 'data-testid="unread-count">3<' in html
    for n in range(15):
        EmployeeFactory(org=world.org, department=world.north, name=f"新人{n}")
    response, many = _get(client, f"/announcements/{announcement.pk}/receipts/")
    assert many == few
    assert 'data-testid="unread-count">18<' in response.content.decode()
    assert web(world.rep_b).get(f"/announcements/{announcement.pk}/receipts/").status_code == 403


def test_manage_list_for_writers_only(world, web):
    draft(world, title="管理员草稿")
    assert "管理员草稿" in web(world.manager).get("/announcements/manage/").content.decode()
    assert web(world.rep_a).get("/announcements/manage/").status_code == 403
    filtered = web(world.admin).get("/announcements/manage/?status=published").content.decode()
    assert "管理员草稿" not in filtered


def test_read_all_button(world, web):
    publish(world, title="一")
    publish(world, title="二")
    web(world.rep_a).post("/announcements/read-all/")
    with org_scope(world.org):
        assert AnnouncementRead.objects.filter(employee=world.rep_a).count() == 2


def test_start_page_card_lists_my_unread(world, web):
    publish(world, title="今天的公告")
    html = web(world.rep_a).get("/").content.decode()
    assert 'data-testid="announcements-card"' in html and "今天的公告" in html
    web(world.rep_a).post("/announcements/read-all/")
    assert 'data-testid="announcements-card"' not in web(world.rep_a).get("/").content.decode()


def test_english_screens(world, web):
    publish(world, title="Hello")
    client = web(world.rep_a)
    client.cookies["django_language"] = "en"
    html = client.get("/announcements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark all read" in html


def test_detail_costs_the_same_queries_whatever_the_audience(world, web):
    one = publish(world, audience="departments", departments=[world.sales.pk])
    many = publish(
        world,
        audience="departments",
        departments=[world.sales.pk, world.east.pk, world.north.pk, world.service.pk],
    )
    client = web(world.admin)
    client.get(f"/announcements/{one.pk}/")
    _response, few = _get(client, f"/announcements/{one.pk}/")
    response, more = _get(client, f"/announcements/{many.pk}/")
    assert few == more
    assert "华北组" in response.content.decode()
