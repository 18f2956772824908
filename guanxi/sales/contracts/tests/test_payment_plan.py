"""Payment plans: the instalments sum exactly to the contract total; even splits put the
rounding remainder on the last instalment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from guanxi.sales.contracts.payment_plan import add_months, clean_plan, split_evenly

FIRST = datetime.date(2027, 1, 31)


def test_split_evenly_puts_the_remainder_on_the_last_instalment():
    plan = split_evenly(Decimal("100.00"), 3, FIRST, places=2)
    assert [p.amount for p in plan] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert [p.due_date for p in plan] == [
        datetime.date(2027, 1, 31),
        datetime.date(2027, 2, 28),
        datetime.date(2027, 3, 31),
    ]


def test_split_evenly_at_zero_and_three_places():
    assert [p.amount for p in split_evenly(Decimal("10"), 3, FIRST, places=0)] == [
        Decimal("3"), Decimal("3"), Decimal("4"),
    ]  # fmt: skip
    assert sum(p.amount for p in split_evenly(Decimal("1.001"), 7, FIRST, places=3)) == Decimal(
        "1.001"
    )


@given(
    total=st.decimals(min_value=Decimal("1"), max_value=Decimal("99999999"), places=2),
    count=st.integers(min_value=1, max_value=36),
)
def test_split_always_sums_exactly_and_passes_the_plan_check(total, count):
    plan = split_evenly(total, count, FIRST, places=2)
    assert sum(p.amount for p in plan) == total
    assert all(p.amount > 0 for p in plan)
    raw = [{"amount": str(p.amount), "due_date": p.due_date.isoformat()} for p in plan]
    assert clean_plan(raw, total=total, places=2) == plan


def test_split_refuses_nonsense():
    with pytest.raises(ValidationError):
        split_evenly(Decimal("0.02"), 3, FIRST, places=2)  # each would be 0
    with pytest.raises(ValidationError):
        split_evenly(Decimal("100"), 0, FIRST, places=2)


def test_a_plan_that_does_not_sum_to_the_total_is_refused_with_both_figures():
    with pytest.raises(ValidationError) as caught:
        clean_plan(
            [
                {"amount": "600", "due_date": "2027-01-31"},
                {"amount": "300", "due_date": "2027-02-28"},
            ],
            total=Decimal("1000.00"),
            places=2,
        )
    message = caught.value.message_dict["payment_plan"][0]
    assert "900.00" in message and "1,000.00" in message and "100.00" in message


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"amount": "0", "due_date": "2027-01-31"}, "大于 0"),
        ({"amount": "-5", "due_date": "2027-01-31"}, "大于 0"),
        ({"amount": "abc", "due_date": "2027-01-31"}, "有效的金额"),
        ({"amount": "1e30", "due_date": "2027-01-31"}, "金额过大"),
        ({"amount": "1.005", "due_date": "2027-01-31"}, "2 位小数"),
        ({"amount": "10", "due_date": "2027-02-30"}, "到期日"),
        ({"amount": "10", "due_date": ""}, "到期日"),
        ({"amount": "10", "due_date": "1900-01-01"}, "超出范围"),
    ],
)
def test_bad_instalments_are_refused_naming_the_instalment(item, fragment):
    with pytest.raises(ValidationError) as caught:
        clean_plan([item], total=Decimal("10.00"), places=2)
    message = " ".join(caught.value.message_dict["payment_plan"])
    assert "第 1 期" in message and fragment in message


def test_an_empty_plan_is_allowed_for_a_draft():
    assert clean_plan([], total=Decimal("10.00"), places=2) == []
    assert clean_plan(None, total=Decimal("10.00"), places=2) == []


def test_add_months_keeps_the_end_of_month():
    assert add_months(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2027, 11, 15), 3) == datetime.date(2028, 2, 15)
