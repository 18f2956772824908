"""The tickets demo seed: tickets in every status with conversation and scores, and a
second run adds nothing."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.tickets import demo
from guanxi.service.tickets.models import Ticket, TicketMessage, TicketSurvey
from guanxi.service.tickets.tests import helpers as t

pytestmark = pytest.mark.django_db


def test_demo_tickets_in_every_status(world):
    for number in range(4):
        client = t.customer(world, name=f"演示客户{number}")
        t.contact(world, client, name=f"联系人{number}", mobile=f"1390000000{number}")
    with org_scope(world.org):
        assert demo.seed(world.admin) == len(demo.TICKETS)
        statuses = set(Ticket.objects.values_list("status", flat=True))
        assert statuses == {"new", "assigned", "in_progress", "waiting", "resolved", "closed"}
        assert Ticket.objects.filter(reopen_count=1).count() == 1
        assert TicketMessage.objects.filter(kind="note").exists()
        assert TicketSurvey.objects.filter(score__isnull=False).count() == 2
        count = Ticket.objects.count()
        assert demo.seed(world.admin) == 0
        assert Ticket.objects.count() == count
