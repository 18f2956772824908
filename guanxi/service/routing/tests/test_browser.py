"""Real-browser flows: an agent goes online on the board, gets the waiting ticket at once
and sees their load; an admin changes an SLA policy's resolution time; an admin adds the
National Day holidays to the work calendar."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.routing.models import CalendarDay, SlaPolicy
from guanxi.service.routing.tests.helpers import queue, route, sla, ticket
from guanxi.service.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class BoardPage:
    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/service/routing/")
        self.page.wait_for_selector("[data-testid=agent-board]")

    def go(self, status):
        self.page.click(f"[data-testid=status-{status}]")

    def row(self, employee):
        return self.page.locator(f"[data-testid=agent-row][data-agent='{employee.pk}']")


def test_an_agent_goes_online_and_sees_the_waiting_ticket_as_their_load(world, page, sign_in):
    queue(world)
    waiting = route(world, ticket(world, subject="空调不制冷"))
    sign_in(world.agent)
    board = BoardPage(page)
    board.open()
    assert board.row(world.agent).locator("[data-testid=agent-load]").inner_text() == "0"
    assert page.locator("[data-testid=waiting-ticket]").count() == 1
    board.go("online")
    page.wait_for_selector("[data-testid=status-online][aria-pressed=true]")
    mine = board.row(world.agent)
    mine.locator("[data-testid=agent-status]", has_text="在线").wait_for()
    assert mine.locator("[data-testid=agent-load]").inner_text() == "1"
    assert page.locator("[data-testid=waiting-ticket]").count() == 0
    with org_scope(world.org):
        assert Ticket.objects.get(pk=waiting.pk).assignee_id == world.agent.pk


def test_an_admin_edits_an_sla_policy(world, page, sign_in):
    made = sla(world, "普通工单", first_response_minutes=60, resolution_minutes=480)
    sign_in(world.admin)
    page.goto("/service/routing/sla/")
    page.click("text=普通工单")
    form = page.locator("[data-testid=sla-form]")
    form.locator("input[name=resolution_minutes]").fill("1620")
    form.locator("select[name=priority]").select_option("normal")
    form.locator("[data-testid=sla-save]").click()
    row = page.locator("[data-testid=sla-row]", has_text="普通工单")
    row.wait_for()
    assert row.locator("[data-testid=sla-resolution]").inner_text() == "27 小时"
    with org_scope(world.org):
        saved = SlaPolicy.objects.get(pk=made.pk)
    assert saved.resolution_minutes == 1620 and saved.priority == "normal"
    assert saved.version == made.version + 1


class CalendarPage:
    def __init__(self, page):
        self.page = page

    def open(self, year):
        self.page.goto(f"/service/routing/calendar/?year={year}")
        self.page.wait_for_selector("[data-testid=calendar-add-form]")

    def add(self, *, start, end, name, kind="holiday"):
        form = self.page.locator("[data-testid=calendar-add-form]")
        form.locator("input[name=start]").fill(start)
        form.locator("input[name=end]").fill(end)
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=kind]").select_option(kind)
        form.locator("[data-testid=calendar-add]").click()

    def rows(self):
        return self.page.locator("[data-testid=calendar-row]")


def test_an_admin_adds_the_national_day_holidays(world, page, sign_in):
    sign_in(world.admin)
    calendar = CalendarPage(page)
    calendar.open(2026)
    page.get_by_test_id("no-calendar-days").wait_for()
    calendar.add(start="2026-10-01", end="2026-10-08", name="国庆节")
    page.locator("[data-testid=calendar-row][data-date='2026-10-08']").wait_for()
    assert calendar.rows().count() == 8
    first = page.locator("[data-testid=calendar-row][data-date='2026-10-01']")
    assert "国庆节" in first.inner_text() and "休息日" in first.inner_text()
    calendar.add(start="2026-10-10", end="", name="国庆节调休", kind="workday")
    saturday = page.locator("[data-testid=calendar-row][data-date='2026-10-10']")
    saturday.wait_for()
    assert "调休上班日" in saturday.inner_text()
    with org_scope(world.org):
        kinds = dict(CalendarDay.objects.values_list("date", "kind"))
    assert len(kinds) == 9 and list(kinds.values()).count("holiday") == 8
