"""How modules above customers attach to a customer without customers importing them.

Apps depend one way (customers ← workspace ← sales/service/…), so a customer's 360° page,
a merge and a handover cannot name the records of later modules. Those modules register
here, in their ``AppConfig.ready()``:

- a **panel** (a card on the 360° page): a template and a function that returns its context
  with a constant number of queries, whatever the number of records;
- a **related** kind of record: how many a set of customers have (for the merge preview),
  and how to move them to another customer (merge);
- a **handover** step: how to give an employee's open items of some customers to another
  employee.

Registration is idempotent by key, so re-running ``ready()`` (tests, autoreload) is harmless.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    # (customer, employee) -> template context, or None to leave the panel out
    context: Callable[[Any, Any], dict | None]
    order: int = 100
    side: str = "main"  # "main" (wide left column) or "side" (right column, above history)


@dataclass(frozen=True)
class Related:
    key: str
    label: Any  # lazy translated plural noun, e.g. 跟进记录
    # (customer ids) -> number of records attached to them
    count: Callable[[Sequence[int]], int]
    # (from customer ids, survivor customer, actor) -> number of records moved
    move: Callable[[Sequence[int], Any, Any], int]
    order: int = 100


@dataclass(frozen=True)
class HandoverStep:
    key: str
    label: Any
    # (from employee, to employee, customer ids or None for all, actor) -> number moved
    move: Callable[[Any, Any, Sequence[int] | None, Any], int]
    order: int = 100


_panels: dict[str, Panel] = {}
_related: dict[str, Related] = {}
_handover: dict[str, HandoverStep] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def register_related(related: Related) -> None:
    _related[related.key] = related


def register_handover(step: HandoverStep) -> None:
    _handover[step.key] = step


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


def related_kinds() -> list[Related]:
    return sorted(_related.values(), key=lambda related: (related.order, related.key))


def handover_steps() -> list[HandoverStep]:
    return sorted(_handover.values(), key=lambda step: (step.order, step.key))
