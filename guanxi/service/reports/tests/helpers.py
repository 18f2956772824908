"""Tickets for the report tests, written straight to the table with the times a test
needs (the report only reads them)."""

import datetime
import itertools

from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.tickets.models import Ticket, TicketMessage

ZONE = timezone.get_current_timezone()
NUMBERS = itertools.count(1)


def at(day, hour=9, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE)


def ticket(
    world,
    *,
    client=None,
    created,
    category="repair",
    assignee=None,
    status="new",
    responded_after=None,
    resolved_after=None,
    replies=0,
    reopened=0,
    channel="phone",
    priority="normal",
    product=None,
):
    """A ticket created at ``created``; ``responded_after``/``resolved_after`` are
    timedeltas from creation; ``replies`` public agent replies are recorded."""
    number = next(NUMBERS)
    client = client or h.customer(world, name=f"报表客户{number}")
    with org_scope(world.org):
        record = Ticket.objects.create(
            org=world.org,
            code=f"GD-TEST-{number:04d}",
            subject=f"测试工单 {number}",
            customer=client,
            category=category,
            channel=channel,
            priority=priority,
            status=status,
            assignee=assignee,
            team=assignee.department if assignee else None,
            product=product,
            reopen_count=reopened,
            first_response_at=created + responded_after if responded_after else None,
            resolved_at=created + resolved_after if resolved_after else None,
        )
        Ticket.objects.filter(pk=record.pk).update(created_at=created)
        for index in range(replies):
            TicketMessage.objects.create(
                org=world.org,
                ticket=record,
                kind=TicketMessage.Kind.REPLY,
                body=f"回复 {index + 1}",
                author=assignee,
            )
        record.refresh_from_db()
        return record
