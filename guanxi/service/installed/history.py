"""The service history of an installed product, from the modules that serve it.

Each module registers how to read its records about one item:

    register_history("repairs", _("维修记录"), fetch)

``fetch(*, employee, item)`` returns the ``HistoryEntry`` rows ``employee`` may see,
newest first, in a fixed small number of queries. The detail page shows one section
per source, in ``order``. Tickets are registered here; service contracts and repairs
register from their own apps.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class HistoryEntry:
    code: str
    title: str
    status: str
    date: datetime.date | None
    url: str = ""
    category: str = ""


@dataclass(frozen=True)
class HistorySource:
    key: str
    label: Any  # a lazy translated plural noun
    fetch: Callable[..., list[HistoryEntry]]
    order: int = 100


_SOURCES: dict[str, HistorySource] = {}


def register_history(key, label, fetch, *, order=100) -> None:
    """Add (or replace) the history source ``key``."""
    _SOURCES[key] = HistorySource(key, label, fetch, order)


def sources() -> list[HistorySource]:
    return sorted(_SOURCES.values(), key=lambda source: (source.order, source.key))


def history_of(*, employee, item) -> list[tuple[HistorySource, list[HistoryEntry]]]:
    """Every source's entries about ``item`` that ``employee`` may see."""
    return [(source, source.fetch(employee=employee, item=item)) for source in sources()]


def link(name, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the screen may not be there (yet): the row is still shown
        return ""


def _ticket_categories() -> dict[str, str]:
    from django.utils.translation import get_language

    from guanxi.orgs.models import DictionaryEntry

    english = (get_language() or "").startswith("en")
    rows = DictionaryEntry.objects.filter(kind="ticket_category").values_list(
        "code", "label", "label_en"
    )
    return {code: (label_en if english and label_en else label) for code, label, label_en in rows}


def ticket_history(*, employee, item) -> list[HistoryEntry]:
    """The tickets about ``item`` within the employee's ``tickets`` data scope."""
    from guanxi.service.tickets.models import Ticket

    queryset = policy.scope_queryset(
        employee,
        "tickets",
        Ticket.objects.filter(installed_product_id=item.pk),
        owner="assignee",
        department="team",
    )
    rows = list(
        queryset.only("id", "code", "subject", "status", "category", "created_at").order_by(
            "-created_at", "-id"
        )[:HISTORY_LIMIT]
    )
    if not rows:
        return []
    categories = _ticket_categories()
    return [
        HistoryEntry(
            code=ticket.code,
            title=ticket.subject,
            status=str(ticket.get_status_display()),
            date=ticket.created_at.date() if ticket.created_at else None,
            url=link("tickets:ticket_detail", ticket.pk),
            category=categories.get(ticket.category, ticket.category),
        )
        for ticket in rows
    ]


def register() -> None:
    register_history("tickets", _("服务工单"), ticket_history, order=10)
