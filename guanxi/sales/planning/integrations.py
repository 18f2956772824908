"""What planning plugs into, registered from ``PlanningConfig.ready()``: the start page's
"我的目标" card (this month's attainment). The card's frame costs the start page no
query; its body loads after the page (``planning:start_card``)."""

from guanxi.orgs import policy
from guanxi.workspace import start

MODULE = "sales_targets"


def _start_card(employee):
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    return {}


def register():
    start.register("planning", template="planning/_start_card.html", context=_start_card, order=26)
