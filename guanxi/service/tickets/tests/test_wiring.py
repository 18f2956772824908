"""The ticket lifecycle drives the other service modules: a new ticket starts its SLA
clock (a service contract's promise first) and is routed to the best online agent; the
agent is told; an agent coming online takes the waiting tickets; a reopened ticket whose
agent left is routed again; a public reply goes out through the support mailbox."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.orgs import services as org_services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.contracts.tests.helpers import active
from guanxi.service.installed.tests.helpers import item
from guanxi.service.mail.models import OutboundMail
from guanxi.service.mail.tests import servers
from guanxi.service.mail.tests.helpers import customer_with_contact, mailbox
from guanxi.service.routing.models import TicketClock
from guanxi.service.routing.tests.helpers import agent, queue, sla
from guanxi.service.tickets import services
from guanxi.service.tickets.models import Ticket
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(world):
    queue(world)
    sla(world, "普通", first_response_minutes=60, resolution_minutes=480, business_hours=False)
    return world


def test_api_create_routes_to_the_skilled_online_agent_and_tells_them(desk, api):
    world = desk
    agent(world, "吴咨询", skills=["consultation"])
    fixer = agent(world, "周维修", skills=["repair"])
    client = h.customer(world, name="华光科技有限公司", owner=world.admin)
    response = api(world.agent).post(
        "/api/v1/tickets",
        {"customer": client.pk, "subject": "设备无法开机", "category": "repair"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assignee"] == fixer.pk
    assert body["status"] == "assigned"
    assert "维修" in body["assignment_reason"]
    with org_scope(world.org):
        ticket = Ticket.objects.get(pk=body["id"])
        assert ticket.version == body["version"]
        clock = TicketClock.objects.get(ticket=ticket)
        assert clock.policy is not None
        assert Notification.objects.filter(recipient=fixer, kind="ticket_assigned").count() == 1


def test_nobody_online_waits_in_the_queue_until_an_agent_goes_online(desk, api):
    world = desk
    later = agent(world, "周维修", skills=["repair"], status="offline")
    client = h.customer(world, name="华光科技有限公司", owner=world.admin)
    with org_scope(world.org):
        ticket = services.ticket_create(
            actor=world.agent, customer=client, subject="设备无法开机", category="repair"
        )
    assert ticket.status == "new" and ticket.assignee_id is None
    assert ticket.team_id == world.service.pk  # waiting in the team's queue
    assert "排队" in ticket.assignment_reason
    response = api(later).patch("/api/v1/me", {"service_status": "online"}, format="json")
    assert response.status_code == 200
    with org_scope(world.org):
        ticket.refresh_from_db()
    assert ticket.assignee_id == later.pk and ticket.status == "assigned"


def test_a_service_contract_promise_beats_the_policies(desk):
    world = desk
    client = h.customer(world, name="华光科技有限公司", owner=world.admin)
    covered = item(world, client=client, serial="SN-PROMISE")
    active(world, covered=covered, first_response_minutes=15, resolution_minutes=120)
    with org_scope(world.org):
        ticket = services.ticket_create(
            actor=world.agent,
            customer=client,
            subject="整机报警",
            category="repair",
            installed_product=covered,
        )
        clock = TicketClock.objects.get(ticket=ticket)
    assert clock.policy is None
    assert clock.first_response_minutes == 15 and clock.resolution_minutes == 120


def test_reopened_ticket_of_an_agent_who_left_is_routed_again(desk):
    world = desk
    first = agent(world, "周维修", skills=["repair"])
    client = h.customer(world, name="华光科技有限公司", owner=world.admin)
    with org_scope(world.org):
        ticket = services.ticket_create(
            actor=world.agent, customer=client, subject="设备无法开机", category="repair"
        )
        assert ticket.assignee_id == first.pk
        ticket = services.ticket_transition(
            actor=first, ticket=ticket, status="resolved", resolution="更换电源"
        )
        org_services.employee_leave(actor=world.admin, employee=first)
    second = agent(world, "郑维修", skills=["repair"])
    with org_scope(world.org):
        reopened = services.ticket_reopen(
            actor=world.agent, ticket=ticket, reason="客户来电仍无法开机"
        )
    assert reopened.assignee_id == second.pk and reopened.status == "assigned"


@pytest.fixture
def smtp():
    server = servers.start_smtp()
    yield server
    servers.stop_smtp(server)


def test_a_public_reply_goes_out_by_mail_and_a_note_does_not(
    world, smtp, django_capture_on_commit_callbacks
):
    mailbox(world, smtp=smtp)
    client, person = customer_with_contact(world)
    with org_scope(world.org):
        ticket = services.ticket_create(
            actor=world.agent, customer=client, contact=person, subject="发票抬头有误",
            category="consultation", channel="email",
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_reply(actor=world.agent, ticket=ticket, body="内部核对中", public=False)
        assert not OutboundMail.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            reply = services.ticket_reply(actor=world.agent, ticket=ticket, body="已为您重开发票。")
        outbound = OutboundMail.objects.get(ticket_message=reply)
    assert outbound.to_address == person.email
    received = smtp.wait_for(1)
    assert len(received) == 1
    assert ticket.code.encode() in received[0][2]
