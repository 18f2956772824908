"""What tickets add to other modules: global search, the start page card, follow-ups on
tickets, the customers handover and merge."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.search import selectors as search
from guanxi.service.tickets import services
from guanxi.service.tickets.tests import helpers as t
from guanxi.workspace import services as workspace_services
from guanxi.workspace import start, targets

pytestmark = pytest.mark.django_db


def test_search_finds_code_and_subject_in_scope(world):
    ticket = t.ticket(world, subject="锅炉压力异常")
    with org_scope(world.org):
        by_subject = search.search(employee=world.agent, query="锅炉压力")
        by_code = search.search(employee=world.agent, query=ticket.code)
        hidden = search.search(employee=world.rep_a, query="锅炉压力")
    assert ticket.pk in {h.id for h in by_subject if h.kind == "ticket"}
    assert ticket.pk in {h.id for h in by_code if h.kind == "ticket"}
    assert not [h for h in hidden if h.kind == "ticket"]


def test_start_card_lists_my_open_tickets(world):
    mine = t.ticket(world, assignee=world.agent, priority="urgent")
    t.ticket(world)  # unassigned: not on the card
    with org_scope(world.org):
        cards = dict((card.key, context) for card, context in start.cards_for(world.agent))
    card = cards["tickets"]
    assert [row.record.pk for row in card["rows"]] == [mine.pk]
    assert card["rows"][0].reason.key == "urgent"


def test_follow_up_on_a_ticket(world):
    ticket = t.ticket(world)
    assert targets.get("ticket") is not None
    with org_scope(world.org):
        activity = workspace_services.activity_create(
            actor=world.agent, target=("ticket", ticket.pk), content="电话回访客户"
        )
    assert activity.customer_id == ticket.customer_id


def test_handover_moves_open_tickets(world):
    client = t.customer(world, owner=world.rep_a)
    open_one = t.ticket(world, client=client, actor=world.admin, assignee=world.rep_a)
    with org_scope(world.org):
        result = customer_services.customers_handover(
            actor=world.admin, from_employee=world.rep_a, to_employee=world.rep_b
        )
    assert result.get("tickets") == 1
    moved = t.reload(world, open_one)
    assert moved.assignee == world.rep_b and moved.team == world.north
    assert "李四" in moved.assignment_reason


def test_merge_moves_tickets(world):
    survivor = t.customer(world, name="华光科技有限公司")
    merged = t.customer(world, name="华光科技公司")
    ticket = t.ticket(world, client=merged)
    with org_scope(world.org):
        customer_services.customers_merge(
            actor=world.admin, survivor_id=survivor.pk, merged_ids=[merged.pk]
        )
    assert t.reload(world, ticket).customer_id == survivor.pk


def test_assignee_is_notified_unless_they_took_it(world):
    from guanxi.workspace.notifications.models import Notification

    ticket = t.ticket(world)
    with org_scope(world.org):
        services.ticket_assign(actor=world.admin, ticket=ticket, assignee=world.agent)
        note = Notification.objects.get(recipient=world.agent)
        assert note.kind == "ticket_assigned" and ticket.code in note.title
        assert note.link == f"/tickets/{ticket.pk}/"
        taken = t.ticket(world)
        services.ticket_assign(actor=world.agent, ticket=taken, assignee=world.agent)
        assert Notification.objects.filter(recipient=world.agent).count() == 1
