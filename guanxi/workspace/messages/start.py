"""The start page's "未读消息" card: my conversations with unread messages (at most five),
shown only when there are some. Two queries when it shows, one when it does not."""

from guanxi.workspace import start
from guanxi.workspace.messages import selectors

SHOWN = 5


def _card(employee):
    rows = list(
        selectors.with_members(
            selectors.conversation_queryset(employee=employee).filter(unread__gt=0)
        )[:SHOWN]
    )
    if not rows:
        return None
    return {
        "unread_rows": [{"conversation": c, "title": selectors.title(c, employee)} for c in rows]
    }


def register():
    start.register("messages", template="messaging/_start_card.html", context=_card, order=35)
