"""The start page cards of the sales documents (我的报价, 我的合同, 我的订单).

Each card lists the employee's own records that wait for something — an approval, an
answer, an end date coming — with the reason beside each, and how many there are of
each reason. One query per card, whatever the number of records: the reason is a
``CASE`` over the conditions (the first that holds wins), and each reason's count a
window sum over every matching row, computed before the ``LIMIT``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When, Window
from django.utils.functional import Promise


@dataclass(frozen=True)
class Reason:
    """Why a record is on the card: ``condition`` selects it, ``label`` says it and
    ``tone`` colours its badge (a Bootstrap colour name)."""

    key: str
    label: str | Promise
    condition: Q
    tone: str = "secondary"


@dataclass(frozen=True)
class Row:
    record: Any
    reason: Reason
    url: str
    text: str
    date: Any


def attention(
    queryset: QuerySet,
    reasons: Sequence[Reason],
    *,
    date_field: str,
    url: Callable[[Any], str],
    text: Callable[[Any], str],
    limit: int = 8,
) -> dict[str, Any] | None:
    """The card's context, or None when no record matches (the card is then omitted).

    Rows come by reason (in ``reasons`` order), then by ``date_field`` (soonest first,
    no date last), then newest; ``counts`` is ``[(reason, n)]`` for the reasons that
    have records. One query."""
    matching = Q()
    for reason in reasons:
        matching |= reason.condition
    whens = [When(reason.condition, then=Value(i)) for i, reason in enumerate(reasons)]
    queryset = queryset.filter(matching).annotate(
        attention_reason=Case(*whens, output_field=IntegerField())
    )
    counts = {
        f"attention_count_{i}": Window(
            Sum(Case(When(attention_reason=i, then=Value(1)), default=Value(0)))
        )
        for i in range(len(reasons))
    }
    records = list(
        queryset.annotate(**counts).order_by(
            "attention_reason", F(date_field).asc(nulls_last=True), "-pk"
        )[:limit]
    )
    if not records:
        return None
    first = records[0]
    return {
        "rows": [
            Row(r, reasons[r.attention_reason], url(r), text(r), getattr(r, date_field))
            for r in records
        ],
        "counts": [
            (reason, n)
            for i, reason in enumerate(reasons)
            if (n := getattr(first, f"attention_count_{i}") or 0)
        ],
        "total": sum(getattr(first, name) or 0 for name in counts),
    }
