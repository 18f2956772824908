"""The start page's cards (个人工作台): what each employee needs today, by what they may do.

Every app puts its cards here with ``register`` from its ``AppConfig.ready()`` — the
workspace's own (today's schedule, follow-ups due, approvals waiting, unread
notifications, customer care) below, and later modules theirs (my pipeline, my overdue
receivables, my open tickets). A card's ``context(employee)`` returns the template's
context, or None when the card is not for this employee (no permission, nothing of that
kind in their work): that is what makes the page differ between a rep, a manager, a
service agent and the boss. Each card costs a fixed number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from guanxi.customers import care
from guanxi.orgs import policy


@dataclass(frozen=True)
class Card:
    key: str
    template: str
    context: Callable  # (employee) -> dict | None
    order: int
    wide: bool  # a full-width row on large screens (else a third of it)


CARDS: dict[str, Card] = {}


def register(key, *, template, context, order=100, wide=False):
    """Add (or replace) the start page card ``key``; cards show in ``order``."""
    CARDS[key] = Card(key, template, context, order, wide)


def cards_for(employee):
    """``[(card, context)]``: the cards this employee gets, in order."""
    shown = []
    for card in sorted(CARDS.values(), key=lambda c: (c.order, c.key)):
        context = card.context(employee)
        if context is not None:
            shown.append((card, context))
    return shown


# ---- the workspace's own cards -----------------------------------------------------------


def _schedule(employee):
    from guanxi.workspace.schedule import selectors as schedule

    card = schedule.today_card(employee=employee)
    return {"card": card, "today": timezone.localdate()} if card["can_view"] else None


def _followups(employee):
    from guanxi.workspace import selectors

    if not policy.can(employee, "activities.view"):
        return None
    return {
        "followups_due": selectors.followups_due(employee, 8),
        "today": timezone.localdate(),
    }


def _approvals(employee):
    from guanxi.workspace.approvals import selectors as approvals

    waiting, count = approvals.waiting_for(employee, limit=5)
    # everyone may be asked to approve; the card shows once there is something
    return {"waiting": waiting, "waiting_count": count} if count else None


def _notifications(employee):
    from guanxi.workspace.notifications import kinds
    from guanxi.workspace.notifications import selectors as notifications

    latest = notifications.latest_unread(employee=employee, size=5)
    for notification in latest:
        notification.kind_label = kinds.label(notification.kind)
    return {"latest": latest}


def _care(employee):
    if not policy.can(employee, "customers.view"):
        return None
    return {
        "upcoming": care.upcoming(employee=employee, limit=8),
        "days": care.reminder_days(employee),
        "tasks": care.due_list(employee=employee),
        "today": timezone.localdate(),
    }


def register_workspace_cards():
    register("schedule", template="schedule/_today_card.html", context=_schedule, order=10)
    register(
        "followups", template="workspace/_followups_due_card.html", context=_followups, order=20
    )
    register("approvals", template="approvals/_waiting_card.html", context=_approvals, order=30)
    register(
        "notifications",
        template="notifications/_start_card.html",
        context=_notifications,
        order=40,
    )
    register("care", template="customers/_care_home.html", context=_care, order=60, wide=True)
