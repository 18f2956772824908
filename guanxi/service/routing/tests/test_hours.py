"""Working-hours arithmetic: weekends, before and after hours, spanning days and weeks,
round-the-clock calendars, and the laws that tie adding and counting together."""

import datetime
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.service.routing import hours

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
CAL = hours.WorkCalendar.of(
    work_days=[1, 2, 3, 4, 5],
    work_start=datetime.time(9),
    work_end=datetime.time(18),
    tz_name="Asia/Shanghai",
)


def at(day, hour, minute=0):
    """2026-12-<day> <hour>:<minute> in Shanghai (2026-12-07 is a Monday)."""
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SH)


def test_adding_within_the_same_day():
    assert hours.add_minutes(CAL, at(7, 10), 30) == at(7, 10, 30)


def test_adding_past_closing_continues_next_morning():
    assert hours.add_minutes(CAL, at(7, 17, 30), 60) == at(8, 9, 30)


def test_before_opening_counts_from_opening():
    assert hours.add_minutes(CAL, at(7, 7), 60) == at(7, 10)


def test_after_closing_counts_from_next_opening():
    assert hours.add_minutes(CAL, at(7, 20), 60) == at(8, 10)


def test_friday_evening_skips_the_weekend():
    assert hours.add_minutes(CAL, at(11, 17), 120) == at(14, 10)
    assert hours.add_minutes(CAL, at(12, 11), 30) == at(14, 9, 30)  # Saturday


def test_three_working_days_from_wednesday_noon_end_monday_noon():
    assert hours.add_minutes(CAL, at(9, 12), 3 * 9 * 60) == at(14, 12)


def test_many_weeks_are_skipped_exactly():
    # 10 working weeks from Monday 9:00 end the Friday of the 10th week at 18:00
    assert hours.add_minutes(CAL, at(7, 9), 10 * 5 * 9 * 60) == datetime.datetime(
        2027, 2, 12, 18, tzinfo=SH
    )


def test_zero_or_negative_is_the_moment_itself():
    assert hours.add_seconds(CAL, at(12, 3), 0) == at(12, 3)
    assert hours.add_seconds(CAL, at(12, 3), -5) == at(12, 3)


def test_counting_between_skips_nights_and_weekends():
    assert hours.seconds_between(CAL, at(11, 17), at(14, 10)) == 2 * 3600
    assert hours.seconds_between(CAL, at(12, 8), at(13, 23)) == 0
    assert hours.seconds_between(CAL, at(14, 10), at(11, 17)) == 0


def test_counting_over_weeks():
    start, end = at(7, 9), datetime.datetime(2027, 2, 12, 18, tzinfo=SH)
    assert hours.seconds_between(CAL, start, end) == 10 * 5 * 9 * 3600


def test_moments_in_another_time_zone_are_read_in_the_org_zone():
    utc = datetime.datetime(2026, 12, 7, 1, 0, tzinfo=datetime.UTC)  # 09:00 Shanghai
    assert hours.add_minutes(CAL, utc, 60) == at(7, 10)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        hours.add_minutes(CAL, datetime.datetime(2026, 12, 7, 9), 5)


def test_round_the_clock_is_plain_time():
    always = hours.WorkCalendar.always(SH)
    assert hours.add_minutes(always, at(12, 23), 120) == at(13, 1)
    assert hours.seconds_between(always, at(12, 23), at(13, 1)) == 7200


def test_settings_without_days_or_with_a_reversed_window_fall_back_to_office_hours():
    calendar = hours.WorkCalendar.of(
        work_days=[], work_start=datetime.time(18), work_end=datetime.time(9), tz_name="UTC"
    )
    assert calendar.days == frozenset({1, 2, 3, 4, 5})
    assert (calendar.start, calendar.end) == (datetime.time(9), datetime.time(18))


# ---- laws ----------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2028, 12, 31)
).map(lambda naive: naive.replace(microsecond=0, tzinfo=SH))  # whole seconds
calendars = st.builds(
    lambda days, start, length: hours.WorkCalendar.of(
        work_days=sorted(days),
        work_start=datetime.time(start),
        work_end=datetime.time(min(23, start + length)),
        tz_name="Asia/Shanghai",
    ),
    st.sets(st.integers(1, 7), min_size=1),
    st.integers(0, 20),
    st.integers(1, 12),
)
amounts = st.integers(min_value=0, max_value=60 * 60 * 9 * 5 * 30)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, amounts)
def test_counting_what_was_added_gives_it_back(calendar, start, seconds):
    assert hours.seconds_between(calendar, start, hours.add_seconds(calendar, start, seconds)) == (
        seconds
    )


@settings(max_examples=200, deadline=None)
@given(calendars, moments, amounts, amounts)
def test_adding_more_never_ends_earlier(calendar, start, a, b):
    low, high = sorted((a, b))
    assert hours.add_seconds(calendar, start, low) <= hours.add_seconds(calendar, start, high)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, amounts)
def test_a_due_time_lies_within_working_hours(calendar, start, seconds):
    due = hours.add_seconds(calendar, start, seconds + 1).astimezone(SH)
    assert due.isoweekday() in calendar.days
    assert calendar.start <= due.time() or due.time() == datetime.time(0)
    assert due.time() <= calendar.end


@settings(max_examples=200, deadline=None)
@given(calendars, moments, moments, moments)
def test_counting_adds_up_over_consecutive_spans(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert hours.seconds_between(calendar, a, c) == (
        hours.seconds_between(calendar, a, b) + hours.seconds_between(calendar, b, c)
    )
