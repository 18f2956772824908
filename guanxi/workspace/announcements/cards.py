"""The start page's "最新公告" card: the employee's unread announcements."""

from guanxi.workspace.announcements import selectors


def start_card(employee):
    """Shown when something is unread (two queries)."""
    unread, count = selectors.unread_for(employee, limit=5)
    return {"unread": unread, "unread_count": count} if count else None
