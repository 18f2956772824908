"""Tickets in the global search index: found by code and subject (and the customer's
name as a fragment), shown with the customer's name, placed in the ``tickets`` data scope
by assignee and team."""

from django.utils.translation import gettext_lazy as _

from guanxi.search import registry
from guanxi.search.tokens import Document
from guanxi.service.tickets.models import Ticket

KIND = "ticket"


def ticket_document(ticket, customer_name):
    """The index entry of a ticket: any object with the ticket's ``pk``, ``code``,
    ``subject``, ``assignee_id`` and ``team_id`` (bulk loaders pass plain records)."""
    return Document(
        kind=KIND,
        object_id=ticket.pk,
        title=f"{ticket.code} {ticket.subject}",
        subtitle=customer_name,
        module="tickets",
        url_name="tickets:ticket_detail",
        url_arg=ticket.pk,
        owner_id=ticket.assignee_id,
        department_id=ticket.team_id,
        codes=[ticket.code],
        texts=[ticket.subject],
    )


def _documents(ids):
    rows = Ticket.objects.filter(pk__in=ids).select_related("customer")
    for ticket in rows.only("id", "code", "subject", "assignee_id", "team_id", "customer__name"):
        yield ticket_document(ticket, ticket.customer.name)


def _all_ids():
    return Ticket.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    KIND, label=_("服务工单"), module="tickets", documents=_documents, all_ids=_all_ids, order=70
)
