"""Periods: text forms, bounds, progress, sub-periods."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guanxi.sales.planning import periods
from guanxi.sales.planning.periods import Period


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026-12", "month", datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
        ("2026-2", "month", datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)),
        ("2024-02", "month", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        ("2026-Q4", "quarter", datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        ("2026-q1", "quarter", datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)),
        (" 2026 ", "year", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    ],
)
def test_parse_well_formed_periods(text, kind, start, end):
    period = periods.parse(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize(
    "text",
    ["", "2026-13", "2026-00", "2026-Q5", "26-12", "2026/12", "abc", None, "1999", "2101-01"],
)
def test_malformed_periods_are_refused_with_a_field_error(text):
    with pytest.raises(ValidationError) as caught:
        periods.parse(text)
    assert "period" in caught.value.message_dict


def test_labels_and_shift():
    assert Period("month", datetime.date(2026, 12, 1)).label == "2026-12"
    assert Period("quarter", datetime.date(2026, 10, 1)).label == "2026-Q4"
    assert Period("year", datetime.date(2026, 1, 1)).label == "2026"
    assert periods.parse("2026-12").shift(1).label == "2027-01"
    assert periods.parse("2026-Q1").shift(-1).label == "2025-Q4"


def test_sub_periods_and_from_stored():
    year = periods.parse("2026")
    assert [p.label for p in year.sub_periods()] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [p.label for p in periods.parse("2026-Q2").sub_periods()] == [
        "2026-04", "2026-05", "2026-06",
    ]  # fmt: skip
    with pytest.raises(ValidationError):
        periods.from_stored("quarter", datetime.date(2026, 2, 1))


def test_progress_counts_today_as_elapsed():
    month = periods.parse("2026-12")
    assert month.progress(datetime.date(2026, 11, 30)) == 0.0
    assert month.progress(datetime.date(2026, 12, 31)) == 1.0
    assert month.progress(datetime.date(2026, 12, 1)) == pytest.approx(1 / 31)
    assert month.progress(datetime.date(2027, 3, 1)) == 1.0
