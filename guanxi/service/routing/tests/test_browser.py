"""Real-browser flows: an agent goes online on the board, gets the waiting ticket at once
and sees their load; an admin changes an SLA policy's resolution time."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.routing.models import SlaPolicy
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
