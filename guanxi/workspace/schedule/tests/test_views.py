"""Calendar screens: month/week/day, drag to reschedule, quick add, my tasks, today card."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.workspace.schedule import selectors, services
from guanxi.workspace.schedule.models import Event, Task

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 12, 9, 8, 0, tzinfo=TZ)  # a Wednesday


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _entries(response):
    return response.content.decode().count('data-testid="calendar-entry"')


def test_month_week_and_day_show_my_items(world, web):
    with org_scope(world.org):
        services.event_create(actor=world.rep_a, title="宁波拜访", starts_at=at(9, 14))
        services.task_create(actor=world.rep_a, title="寄样品", due_at=at(11, 10))
        services.task_create(actor=world.rep_b, title="李四的任务", due_at=at(9, 10))
    client = web(world.rep_a)
    month = client.get("/calendar/")
    assert month.status_code == 200
    body = month.content.decode()
    assert "宁波拜访" in body and "寄样品" in body and "李四的任务" not in body
    assert "2026-12" in body
    week = client.get("/calendar/", {"view": "week", "at": "2026-12-09"})
    assert "宁波拜访" in week.content.decode() and "寄样品" in week.content.decode()
    day = client.get("/calendar/", {"view": "day", "at": "2026-12-09"})
    assert "宁波拜访" in day.content.decode() and "寄样品" not in day.content.decode()
    # htmx navigation answers with the calendar alone
    partial = client.get("/calendar/", {"view": "week", "at": "2026-12-16"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'id="schedule-calendar"' in partial.content
    # nonsense parameters fall back to this month
    assert client.get("/calendar/", {"view": "year", "at": "99999-1-1"}).status_code == 200


def test_a_colleagues_calendar_within_my_scope(world, web):
    with org_scope(world.org):
        services.task_create(actor=world.rep_b, title="李四拜访", due_at=at(10))
    manager = web(world.manager).get("/calendar/", {"who": world.rep_b.pk})
    assert "李四拜访" in manager.content.decode()
    # rep_a cannot pick rep_b (not in the list): their own calendar is shown instead
    rep = web(world.rep_a).get("/calendar/", {"who": world.rep_b.pk})
    assert rep.status_code == 200 and "李四拜访" not in rep.content.decode()


def test_month_view_query_count_is_constant(world, web):
    def count_queries():
        client = web(world.rep_a)
        client.get("/calendar/")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/calendar/")
        return len(queries.captured_queries), response

    with org_scope(world.org):
        services.task_create(actor=world.rep_a, title="一个", due_at=at(3))
    one, response = count_queries()
    assert _entries(response) >= 1
    with org_scope(world.org):
        for n in range(15):
            services.task_create(
                actor=world.rep_a, title=f"任务{n}", due_at=at(1 + n), participants=[world.rep_b]
            )
            services.event_create(
                actor=world.rep_b, title=f"会{n}", starts_at=at(1 + n), participants=[world.rep_a]
            )
    many, response = count_queries()
    assert _entries(response) >= 31
    assert many == one


def test_dragging_moves_the_item_and_keeps_its_time(world, web):
    with org_scope(world.org):
        event = services.event_create(
            actor=world.rep_a, title="拜访", starts_at=at(9, 14), ends_at=at(9, 15, 30)
        )
        task = services.task_create(actor=world.rep_a, title="报价", due_at=at(9, 17))
    client = web(world.rep_a)
    moved = client.post(
        f"/calendar/event/{event.pk}/move/",
        {
            "date": "2026-12-11",
            "from": "2026-12-09",
            "version": 1,
            "view": "week",
            "at": "2026-12-09",
        },
        HTTP_HX_REQUEST="true",
    )
    assert moved.status_code == 200 and b'id="schedule-calendar"' in moved.content
    client.post(
        f"/calendar/task/{task.pk}/move/",
        {"date": "2026-12-08", "from": "2026-12-09", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    with org_scope(world.org):
        event.refresh_from_db()
        task.refresh_from_db()
    assert (event.starts_at, event.ends_at) == (at(11, 14), at(11, 15, 30))
    assert task.due_at == at(8, 17)
    # a stale drag says so on the calendar and changes nothing
    stale = client.post(
        f"/calendar/event/{event.pk}/move/",
        {"date": "2026-12-20", "from": "2026-12-11", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert b"calendar-error" in stale.content
    with org_scope(world.org):
        event.refresh_from_db()
    assert event.starts_at == at(11, 14)


def test_nobody_moves_what_they_may_not_change(world, web):
    with org_scope(world.org):
        theirs = services.event_create(
            actor=world.rep_b, title="李四的会", starts_at=at(9, 14), participants=[world.rep_a]
        )
    response = web(world.rep_a).post(
        f"/calendar/event/{theirs.pk}/move/",
        {"date": "2026-12-12", "from": "2026-12-09"},
        HTTP_HX_REQUEST="true",
    )
    assert b"calendar-error" in response.content
    assert (
        web(world.rep_a).post("/calendar/meeting/1/move/", {"date": "2026-12-12"}).status_code
        == 404
    )
    with org_scope(world.org):
        assert Event.objects.get(pk=theirs.pk).starts_at == at(9, 14)


def test_quick_add_task_and_event(world, web):
    client = web(world.rep_a)
    response = client.post(
        "/calendar/add/",
        {"kind": "event", "title": "茶叶展会", "date": "2026-12-15", "time": "10:30"},
    )
    assert response.status_code == 302
    client.post("/calendar/add/", {"kind": "task", "title": "交报告", "date": "2026-12-16"})
    refused = client.post(
        "/calendar/add/", {"kind": "task", "title": "", "date": "2026-12-16"}, follow=True
    )
    assert "请填写标题" in refused.content.decode()
    with org_scope(world.org):
        event = Event.objects.get()
        task = Task.objects.get()
    assert event.starts_at == at(15, 10, 30) and event.ends_at == at(15, 11, 30)
    assert task.all_day and task.due_at == at(16, 0)


def test_my_tasks_tabs_and_complete(world, web):
    with org_scope(world.org):
        today = services.task_create(actor=world.rep_a, title="今天的事", due_at=at(9, 17))
        services.task_create(actor=world.rep_a, title="昨天的事", due_at=at(8, 17))
        services.task_create(actor=world.rep_a, title="下周的事", due_at=at(16, 17))
    client = web(world.rep_a)
    page = client.get("/calendar/tasks/").content.decode()
    assert "今天的事" in page and "昨天的事" not in page
    assert "昨天的事" in client.get("/calendar/tasks/", {"tab": "overdue"}).content.decode()
    assert "下周的事" in client.get("/calendar/tasks/", {"tab": "upcoming"}).content.decode()
    done = client.post(
        f"/calendar/tasks/{today.pk}/complete/", {"next": "/calendar/tasks/", "version": 1}
    )
    assert done.status_code == 302 and done["Location"] == "/calendar/tasks/"
    assert "今天的事" in client.get("/calendar/tasks/", {"tab": "done"}).content.decode()
    assert client.post(f"/calendar/tasks/{today.pk}/explode/").status_code == 404


def test_today_card(world, web, django_assert_max_num_queries):
    with org_scope(world.org):
        services.task_create(actor=world.rep_a, title="今天交", due_at=at(9, 17))
        services.task_create(actor=world.rep_a, title="早该交", due_at=at(2, 17))
        services.event_create(actor=world.rep_a, title="下午开会", starts_at=at(9, 15))
        services.event_create(actor=world.rep_a, title="明天开会", starts_at=at(10, 15))
        with django_assert_max_num_queries(3):
            card = selectors.today_card(employee=world.rep_a)
    assert [t.title for t in card["today"]] == ["今天交"]
    assert [t.title for t in card["overdue"]] == ["早该交"]
    assert [e.title for e in card["events"]] == ["下午开会"]
    html = web(world.rep_a).get("/calendar/today/").content.decode()
    assert "今天交" in html and "早该交" in html and "明天开会" not in html


def test_english_screens(world, web):
    client = web(world.rep_a)
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get("/calendar/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Calendar" in page and "Quick add" in page
    tasks = client.get("/calendar/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My tasks" in tasks and "Overdue" in tasks


def test_new_event_with_every_field_and_a_customer(world, web):
    from guanxi.customers import services as customer_services

    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_a, name="温州鞋业")
    client = web(world.rep_a)
    form = client.get("/calendar/new/event/", {"date": "2026-12-14", "customer": customer.pk})
    assert form.status_code == 200 and "温州鞋业" in form.content.decode()
    response = client.post(
        f"/calendar/new/event/?customer={customer.pk}",
        {
            "title": "温州拜访",
            "start_date": "2026-12-14",
            "start_time": "13:00",
            "end_date": "2026-12-14",
            "end_time": "15:00",
            "location": "温州",
            "assignee": world.rep_a.pk,
            "participants": [world.rep_b.pk],
            "reminder_minutes": "30",
            "notes": "带样品",
            "customer": customer.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?view=week&at=2026-12-14"
    with org_scope(world.org):
        event = Event.objects.get()
        assert list(event.participants.all()) == [world.rep_b]
    assert (event.starts_at, event.ends_at) == (at(14, 13), at(14, 15))
    assert event.customer == customer and event.reminder_minutes == 30
    assert event.remind_at == at(14, 12, 30)
    # a refused form stays, with the error beside its field
    bad = client.post(
        "/calendar/new/event/",
        {
            "title": "倒着的",
            "start_date": "2026-12-14",
            "start_time": "15:00",
            "end_time": "13:00",
            "assignee": world.rep_a.pk,
        },
    )
    assert bad.status_code == 400 and "结束时间必须晚于开始时间" in bad.content.decode()


def test_edit_form_stale_version_and_read_only_for_participants(world, web):
    with org_scope(world.org):
        task = services.task_create(
            actor=world.rep_b, title="李四的任务", due_at=at(10, 10), participants=[world.rep_a]
        )
    owner = web(world.rep_b)
    page = owner.get(f"/calendar/task/{task.pk}/")
    assert page.status_code == 200 and 'data-testid="item-save"' in page.content.decode()
    data = {
        "title": "李四的任务（改）",
        "due_date": "2026-12-11",
        "due_time": "16:00",
        "priority": "high",
        "assignee": world.rep_b.pk,
        "participants": [world.rep_a.pk],
        "version": 1,
    }
    assert owner.post(f"/calendar/task/{task.pk}/", data).status_code == 302
    stale = owner.post(f"/calendar/task/{task.pk}/", {**data, "title": "又改"})
    assert stale.status_code == 409
    with org_scope(world.org):
        task.refresh_from_db()
    assert task.title == "李四的任务（改）" and task.due_at == at(11, 16) and task.version == 2

    participant = web(world.rep_a)
    view = participant.get(f"/calendar/task/{task.pk}/")
    assert view.status_code == 200 and 'data-testid="item-save"' not in view.content.decode()
    assert participant.post(f"/calendar/task/{task.pk}/", {**data, "version": 2}).status_code == 403
    with org_scope(world.org):
        other = services.task_create(actor=world.rep_b, title="看不到")
    assert participant.get(f"/calendar/task/{other.pk}/").status_code == 404
    assert participant.get("/calendar/meeting/1/").status_code == 404


def test_delete_from_the_edit_page(world, web):
    with org_scope(world.org):
        event = services.event_create(actor=world.manager, title="取消的会", starts_at=at(12, 10))
    response = web(world.manager).post(f"/calendar/event/{event.pk}/delete/")
    assert response.status_code == 302
    with org_scope(world.org):
        assert not Event.objects.filter(pk=event.pk).exists()
