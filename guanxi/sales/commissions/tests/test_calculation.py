"""The pure arithmetic of statements: progressive tiers, spreading, precedence."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from guanxi.sales.commissions import calculation

D = Decimal
TIERS = [(D("0"), D("3")), (D("100000"), D("5"))]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "0"),
        ("50000", "1500"),
        ("99999.99", "2999.9997"),
        ("100000", "3000"),  # the boundary belongs to the lower band's top
        ("100000.01", "3000.0005"),
        ("250000", "10500"),
    ],
)
def test_tiers_are_progressive_bands(amount, expected):
    """Each rate applies only to the part of the total inside its band."""
    assert calculation.tiered_commission(D(amount), TIERS) == D(expected)


def test_one_tier_is_a_flat_rate():
    assert calculation.tiered_commission(D("1234.56"), [(D("0"), D("2.5"))]) == D("30.864")


def test_spread_puts_the_rounding_remainder_on_the_last_part():
    """Three equal bases sharing 10.00: 3.33 + 3.33 + 3.34, adding up exactly."""
    parts = calculation.spread(D("10.00"), [D("1"), D("1"), D("1")], 2)
    assert parts == [D("3.33"), D("3.33"), D("3.34")]
    assert sum(parts) == D("10.00")


def _rule(pk, applies_to, product_line_id=None, valid_from=datetime.date(2026, 1, 1), **extra):
    rule = SimpleNamespace(
        pk=pk,
        applies_to=applies_to,
        product_line_id=product_line_id,
        valid_from=valid_from,
        valid_to=extra.get("valid_to"),
        basis=extra.get("basis", "collected"),
    )
    rule.specificity = {"employees": 3, "role": 2, "all": 1}[applies_to] * 2 + (
        1 if product_line_id else 0
    )
    return rule


def test_precedence_employee_over_role_over_all_then_product_line():
    day = datetime.date(2026, 5, 1)
    everyone = _rule(1, "all")
    everyone_line = _rule(2, "all", product_line_id=7)
    role = _rule(3, "role")
    role_line = _rule(4, "role", product_line_id=7)
    named = _rule(5, "employees")
    rules = [everyone, everyone_line, role, role_line]
    assert calculation.winning_rule(rules, day, {7}) is role_line
    assert calculation.winning_rule(rules, day, set()) is role
    assert calculation.winning_rule([*rules, named], day, {7}) is named
    assert calculation.winning_rule([everyone, everyone_line], day, {8}) is everyone


def test_a_rule_counts_only_inside_its_validity():
    old = _rule(1, "all", valid_to=datetime.date(2026, 4, 30))
    new = _rule(2, "all", valid_from=datetime.date(2026, 5, 1))
    assert calculation.winning_rule([old, new], datetime.date(2026, 4, 30), set()) is old
    assert calculation.winning_rule([old, new], datetime.date(2026, 5, 1), set()) is new
    assert calculation.winning_rule([new], datetime.date(2026, 4, 1), set()) is None


def test_allocation_split_follows_the_source_lines():
    """A payment of 100 on a document of lines 200 and 100: 66.67 / 33.33 (before rounding)."""
    row = {
        "amount": D("100"),
        "receivable__source_type": "order",
        "receivable__source_id": 9,
    }
    shares = calculation.split_allocation(row, {("order", 9): [(1, D("200")), (2, D("100"))]})
    assert [product for product, _share in shares] == [1, 2]
    assert sum(share for _product, share in shares) == D("100")
    assert calculation.split_allocation({**row, "receivable__source_type": "manual"}, {}) == [
        (None, D("100"))
    ]
