"""How a statement's lines are worked out (pure functions over the selectors' figures).

1. **Items.** Order basis: each line of the employee's orders of the period (its total,
   tax included). Collected basis: each allocation of the period, split over the lines
   of the receivable's source document (contract or order) in proportion to their totals:
   ``share_i = allocation × line_total_i / Σ line_totals``; a manual receivable (or a
   source without lines) gives one item without a product.
2. **Rule per item (precedence).** Among the active rules that apply to the employee, are
   valid on the item's date and either have no product line or one the item's product
   belongs to, the most specific wins: employee > role > all, and within each a product
   line rule over a general one; ties go to the later ``valid_from``, then the older rule.
   The winner is chosen whatever its basis, and the item only counts when the winner's
   basis is the item's own: the same sale never earns twice (once ordered, once paid).
3. **Grouping and rounding of bases.** Items of one source (an order, or one allocation)
   under one rule form one line. A source's bases are rounded to the org's places with
   the rounding remainder on its last group, so they add up to the source amount.
4. **Tiers.** Per rule, the employee's period total ``B`` (sum of the rounded bases) gets
   the progressive commission ``C = Σ rate_k % × (min(B, from_{k+1}) − from_k)`` over the
   tiers it reaches, rounded to the org's places. ``C`` is spread over the rule's lines in
   proportion to their bases, each rounded, the remainder on the last line: the lines
   always add up to ``C`` exactly. Each line shows the rule's effective rate ``C / B``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal("0")
HUNDRED = Decimal("100")
RATE_PLACES = 4


def quantize(value, places) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def tiered_commission(amount: Decimal, tiers: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The progressive commission on ``amount`` for ``tiers`` (``(from_amount, rate %)``
    sorted by ``from_amount``, the first from 0), unrounded."""
    bands = list(tiers)
    total = ZERO
    for index, (start, rate) in enumerate(bands):
        if amount <= start:
            break
        upper = bands[index + 1][0] if index + 1 < len(bands) else None
        top = amount if upper is None or amount < upper else upper
        total += (top - start) * rate / HUNDRED
    return total


def spread(total: Decimal, weights: list[Decimal], places) -> list[Decimal]:
    """``total`` split in proportion to ``weights``, each part rounded to ``places``, the
    remainder on the last part (so the parts add up to ``total`` exactly)."""
    if not weights:
        return []
    whole = sum(weights, ZERO)
    parts: list[Decimal] = []
    for weight in weights[:-1]:
        parts.append(quantize(total * weight / whole, places) if whole else ZERO)
    parts.append(total - sum(parts, ZERO))
    return parts


def rule_rank(rule):
    """Sort key: the greatest wins (specificity, later valid_from, then the older rule)."""
    return (rule.specificity, rule.valid_from, -rule.pk)


def winning_rule(rules, day, product_line_ids):
    candidates = [
        rule
        for rule in rules
        if rule.valid_from <= day
        and (rule.valid_to is None or rule.valid_to >= day)
        and (rule.product_line_id is None or rule.product_line_id in product_line_ids)
    ]
    return max(candidates, key=rule_rank) if candidates else None


@dataclass
class Line:
    kind: str
    rule: Any
    source_id: int
    source_code: str
    receivable_code: str
    customer_name: str
    day: Any
    base: Decimal = ZERO
    raw: Decimal = ZERO
    rate: Decimal | None = None
    commission: Decimal = ZERO


@dataclass
class Result:
    lines: list[Line] = field(default_factory=list)
    base_total: Decimal = ZERO
    commission_total: Decimal = ZERO


def split_allocation(allocation, source_lines):
    """``[(product id | None, share)]`` of one allocation row (see the module doc)."""
    amount = allocation["amount"]
    key = (allocation["receivable__source_type"], allocation["receivable__source_id"])
    lines = source_lines.get(key) or []
    whole = sum((total for _product, total in lines), ZERO)
    if not lines or whole <= 0:
        return [(None, amount)]
    return [(product_id, amount * total / whole) for product_id, total in lines]


def compute(items, rules, product_lines, places) -> Result:
    """The lines of a statement from its ``items`` (selectors.Item), the ``rules`` that
    apply to the employee and ``{product id: {product line ids}}``."""
    groups: dict[tuple, Line] = {}
    by_source: dict[tuple, list[tuple]] = {}
    for item in items:
        lines_of_product = product_lines.get(item.product_id, set()) if item.product_id else set()
        rule = winning_rule(rules, item.day, lines_of_product)
        counted = rule if rule is not None and rule.basis == item.kind else None
        source = (item.kind, item.key)
        group_key = (*source, counted.pk if counted else None)
        line = groups.get(group_key)
        if line is None:
            line = Line(
                kind=item.kind,
                rule=counted,
                source_id=item.source_id,
                source_code=item.source_code,
                receivable_code=item.receivable_code,
                customer_name=item.customer_name,
                day=item.day,
            )
            groups[group_key] = line
            by_source.setdefault(source, []).append(group_key)
        line.raw += item.amount

    # round the bases per source, the remainder on its last group
    for keys in by_source.values():
        raws = [groups[key].raw for key in keys]
        whole = quantize(sum(raws, ZERO), places)
        rounded = [quantize(raw, places) for raw in raws[:-1]]
        rounded.append(whole - sum(rounded, ZERO))
        for key, base in zip(keys, rounded, strict=True):
            groups[key].base = base

    result = Result()
    by_rule: dict[int, list[Line]] = {}
    for line in groups.values():
        if line.rule is not None:
            by_rule.setdefault(line.rule.pk, []).append(line)
    for rule_lines in by_rule.values():
        rule = rule_lines[0].rule
        base = sum((line.base for line in rule_lines), ZERO)
        tiers = [(tier.from_amount, tier.rate) for tier in rule.tiers.all()]
        commission = quantize(tiered_commission(base, tiers), places)
        rate = quantize(commission * HUNDRED / base, RATE_PLACES) if base else ZERO
        parts = spread(commission, [line.base for line in rule_lines], places)
        for line, part in zip(rule_lines, parts, strict=True):
            line.commission = part
            line.rate = rate
        result.lines.extend(rule_lines)
        result.base_total += base
        result.commission_total += commission
    return result
