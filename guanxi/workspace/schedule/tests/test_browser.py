"""Real-browser flows of the calendar: quick add and drag to another day on a desktop,
the day view on a phone (in English)."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.tests.factories import PASSWORD
from guanxi.workspace.schedule import services
from guanxi.workspace.schedule.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class CalendarPage:
    """The calendar screen (page object)."""

    def __init__(self, page):
        self.page = page

    def open(self, **params):
        query = "&".join(f"{key}={value}" for key, value in params.items())
        self.page.goto(f"/calendar/?{query}")
        self.page.wait_for_selector("[data-testid=calendar]")

    def quick_add(self, *, title, day, time, kind="event"):
        form = self.page.locator("[data-testid=quick-add]")
        form.locator("input[name=title]").fill(title)
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=date]").fill(day.isoformat())
        form.locator("input[name=time]").fill(time)
        form.locator("[data-testid=quick-add-submit]").click()
        self.page.wait_for_selector("[data-testid=calendar]")

    def cell(self, day):
        return self.page.locator(f"[data-testid=calendar-cell][data-drop-date='{day.isoformat()}']")

    def entry(self, title, within=None):
        root = within if within is not None else self.page
        return root.locator(f"[data-testid=calendar-entry][data-title='{title}']")


def test_create_an_event_and_drag_it_to_another_day(world, page, sign_in):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    target = monday + datetime.timedelta(days=(today.weekday() + 2) % 7)
    sign_in(world.rep_a)
    calendar = CalendarPage(page)
    calendar.open(view="week", at=today.isoformat())
    calendar.quick_add(title="拜访西湖茶业", day=today, time="14:30")
    calendar.open(view="week", at=today.isoformat())
    assert calendar.entry("拜访西湖茶业", calendar.cell(today)).count() == 1

    calendar.entry("拜访西湖茶业", calendar.cell(today)).drag_to(calendar.cell(target))
    moved = calendar.entry("拜访西湖茶业", calendar.cell(target))
    moved.wait_for()
    assert calendar.entry("拜访西湖茶业", calendar.cell(today)).count() == 0
    assert "14:30" in moved.inner_text()
    with org_scope(world.org):
        event = Event.objects.get(title="拜访西湖茶业")
    start = timezone.localtime(event.starts_at)
    assert start.date() == target and (start.hour, start.minute) == (14, 30)
    assert event.version == 2


def test_day_view_on_a_phone_in_english(world, browser, live_server):
    now = timezone.localtime()
    with org_scope(world.org):
        services.event_create(
            actor=world.rep_a,
            title="Visit Hangzhou tea",
            starts_at=now.replace(hour=10, minute=0, second=0, microsecond=0),
            location="West Lake",
        )
        services.task_create(
            actor=world.rep_a,
            title="Send the quote",
            due_at=now.replace(hour=16, minute=0, second=0, microsecond=0),
        )
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 390, "height": 800},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        _sign_in(phone, world.rep_a, world.org)

        phone.goto("/calendar/?view=day")
        day = phone.locator("[data-testid=calendar-day]")
        day.wait_for()
        assert day.is_visible()
        text = day.inner_text()
        assert "Visit Hangzhou tea" in text and "West Lake" in text and "Send the quote" in text
        assert text.index("10:00") < text.index("16:00")  # in time order
        assert phone.locator("[data-testid=calendar-view-day]").inner_text() == "Day"
        # the page fits the phone: nothing wider than the screen
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        # the month view shows an agenda list instead of the grid on a phone
        phone.locator("[data-testid=calendar-view-month]").click()
        agenda = phone.locator("[data-testid=calendar-agenda]")
        agenda.wait_for()
        assert "Visit Hangzhou tea" in agenda.inner_text()
    finally:
        context.close()


def test_long_press_and_drag_with_a_finger_on_a_phone(world, browser, live_server):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    target = monday + datetime.timedelta(days=(today.weekday() + 3) % 7)
    now = timezone.localtime()
    with org_scope(world.org):
        task = services.task_create(
            actor=world.rep_a,
            title="打电话给陈静",
            due_at=now.replace(hour=11, minute=15, second=0, microsecond=0),
        )
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 800},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        _sign_in(phone, world.rep_a, world.org)
        phone.goto(f"/calendar/?view=week&at={today.isoformat()}")
        agenda = phone.locator("[data-testid=calendar-agenda]")
        entry = agenda.locator(
            f"[data-drop-date='{today.isoformat()}'] [data-testid=calendar-entry]"
        )
        drop = agenda.locator(f"[data-drop-date='{target.isoformat()}']")
        cdp = context.new_cdp_session(phone)

        def touch(kind, box):
            point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
            points = [] if kind == "touchEnd" else [point]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        entry.scroll_into_view_if_needed()
        touch("touchStart", entry.bounding_box())
        phone.wait_for_selector(".schedule-ghost")  # the long press took
        drop.scroll_into_view_if_needed()
        box = drop.bounding_box()
        touch("touchMove", box)
        touch("touchEnd", box)
        agenda.locator(
            f"[data-drop-date='{target.isoformat()}'] [data-title='打电话给陈静']"
        ).wait_for()
        with org_scope(world.org):
            task.refresh_from_db()
        due = timezone.localtime(task.due_at)
        assert due.date() == target and (due.hour, due.minute) == (11, 15)
    finally:
        context.close()


def _sign_in(tab, employee, org):
    with all_orgs():
        username = employee.user.username
    tab.goto("/login/")
    org_box = tab.locator("input[name=org]")
    if org_box.count():
        org_box.fill(org.code)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("[data-testid=login-form] button[type=submit]")
    tab.wait_for_selector("[data-testid=topbar]")
