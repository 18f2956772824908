"""Routing and the SLA clock on tickets made and moved by the ticket services, called
the way the ticket lifecycle calls them (create → start the clock and route; first
reply; waiting; resolved; reopened)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.routing import services
from guanxi.service.routing.models import TicketClock
from guanxi.service.routing.tests.helpers import agent, queue, sla
from guanxi.service.tickets import services as tickets

pytestmark = pytest.mark.django_db


def test_a_ticket_from_the_ticket_services_is_timed_routed_paused_and_stopped(world):
    """The ticket services call routing and the clock themselves at each event."""
    queue(world)
    sla(world, "普通", first_response_minutes=60, resolution_minutes=480, business_hours=False)
    worker = agent(world, "周维修", skills=["repair"])
    client = h.customer(world, name="华光科技有限公司", owner=world.admin)
    start = timezone.now()
    with org_scope(world.org):
        routed = tickets.ticket_create(
            actor=world.agent, customer=client, subject="设备无法开机", category="repair"
        )
        assert routed.assignee_id == worker.pk and routed.status == "assigned"
        assert "维修" in routed.assignment_reason
        clock = TicketClock.objects.get(ticket=routed)
        assert clock.first_response_due_at == routed.created_at + datetime.timedelta(hours=1)

        tickets.ticket_reply(actor=worker, ticket=routed, body="您好，我们已收到。")
        clock.refresh_from_db()
        assert clock.first_response_at is not None and clock.first_response_breached_at is None

        moved = tickets.ticket_transition(actor=worker, ticket=routed, status="waiting")
        clock.refresh_from_db()
        assert clock.paused_at is not None

    with (
        time_machine.travel(start + datetime.timedelta(hours=2), tick=False),
        org_scope(world.org),
    ):
        back = tickets.ticket_transition(actor=worker, ticket=moved, status="in_progress")
        clock.refresh_from_db()
        assert clock.paused_at is None and clock.paused_seconds > 7000
        assert clock.resolution_due_at >= routed.created_at + datetime.timedelta(
            hours=9, minutes=50
        )
        tickets.ticket_transition(
            actor=worker, ticket=back, status="resolved", resolution="更换电源"
        )
        clock.refresh_from_db()
        assert clock.stopped_at is not None


def test_the_every_minute_jobs_route_and_scan_every_org(world, other_world):
    from guanxi.service.routing import tasks
    from guanxi.service.routing.tests.helpers import route, ticket

    queue(world)
    waiting = route(world, ticket(world))
    agent(world, "周维修", skills=["repair"])
    routed = tasks.route_waiting_every_minute.call_local()
    assert routed[world.org.pk] == 1 and routed[other_world.org.pk] == 0
    scanned = tasks.sla_scan_every_minute.call_local()
    assert scanned[world.org.pk] == {"warned": 0, "breached": 0}
    with org_scope(world.org):
        waiting.refresh_from_db()
    assert waiting.assignee_id is not None


def test_the_start_page_shows_the_card_of_tickets_about_to_breach(world, web):
    from guanxi.service.routing.tests.helpers import ticket
    from guanxi.service.tickets.models import Ticket

    sla(world, "紧急", first_response_minutes=30, resolution_minutes=240, business_hours=False)
    made = ticket(world, subject="整条产线停机")
    with org_scope(world.org):
        Ticket.objects.filter(pk=made.pk).update(assignee=world.agent, status="assigned")
        services.sla_start(ticket=made)
    page = web(world.agent).get("/").content.decode()
    assert 'data-testid="sla-start-card"' in page and "整条产线停机" in page
    assert 'data-testid="sla-start-card"' not in web(world.rep_a).get("/").content.decode()


def test_the_start_page_offers_agents_their_status_switch(world, web):
    page = web(world.agent).get("/").content.decode()
    assert 'data-testid="status-start-card"' in page
    assert 'data-testid="status-online"' in page
    answer = web(world.agent).post(
        "/service/routing/status/", {"service_status": "online"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    with org_scope(world.org):
        world.agent.refresh_from_db()
    assert world.agent.service_status == "online"
    assert 'data-testid="status-start-card"' not in web(world.rep_a).get("/").content.decode()
