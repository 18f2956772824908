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


# ---- holidays and make-up working days -----------------------------------------------------

# 2026: 国庆节 Thursday 10-01 .. Thursday 10-08 off; Saturday 10-10 a make-up working day
NATIONAL_DAY = [datetime.date(2026, 10, day) for day in range(1, 9)]
MAKE_UP = datetime.date(2026, 10, 10)
CHINA = hours.WorkCalendar.of(
    work_days=[1, 2, 3, 4, 5],
    work_start=datetime.time(9),
    work_end=datetime.time(18),
    tz_name="Asia/Shanghai",
    holidays=NATIONAL_DAY,
    extra_days=[MAKE_UP],
)


def on(month, day, hour, minute=0, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SH)


def test_a_holiday_has_no_window_even_on_a_working_weekday():
    assert CHINA.window(datetime.date(2026, 10, 5)) is None  # a Monday of 国庆节
    assert CHINA.window(datetime.date(2026, 9, 30)) is not None


def test_a_make_up_saturday_has_the_normal_window():
    opens, closes = CHINA.window(MAKE_UP)
    assert (opens, closes) == (on(10, 10, 9), on(10, 10, 18))
    assert CHINA.window(datetime.date(2026, 10, 17)) is None  # an ordinary Saturday


def test_a_holiday_in_the_middle_of_a_span_is_skipped():
    # Wednesday 9-30 17:00 + 2 hours: 1 hour on 9-30, then the eight days of 国庆节
    # (weekdays among them) are off; Friday 10-09 is the next working day
    assert hours.add_minutes(CHINA, on(9, 30, 17), 120) == on(10, 9, 10)
    assert hours.seconds_between(CHINA, on(9, 30, 17), on(10, 9, 10)) == 2 * 3600
    # and from Friday 17:00 the make-up Saturday comes next, not Monday
    assert hours.add_minutes(CHINA, on(10, 9, 17), 120) == on(10, 10, 10)


def test_a_span_over_holidays_counts_only_working_days():
    # Monday 9-28 9:00 .. Monday 10-12 18:00: 9-28..9-30 (3 days), 10-09 (Fri), 10-10
    # (make-up Sat), 10-12 (Mon) = 6 working days
    assert hours.seconds_between(CHINA, on(9, 28, 9), on(10, 12, 18)) == 6 * 9 * 3600
    assert hours.add_minutes(CHINA, on(9, 28, 9), 6 * 9 * 60) == on(10, 12, 18)


def test_a_span_across_the_new_year():
    new_year = hours.WorkCalendar.of(
        work_days=[1, 2, 3, 4, 5],
        work_start=datetime.time(9),
        work_end=datetime.time(18),
        tz_name="Asia/Shanghai",
        holidays=[datetime.date(2027, 1, 1)],  # 元旦, a Friday
        extra_days=[datetime.date(2026, 12, 26)],  # 调休上班, a Saturday
    )
    start = on(12, 25, 17)  # Friday
    # 1 hour on 12-25, 9 on the make-up Saturday 12-26, 4 × 9 on 12-28..12-31, then
    # 元旦 and the weekend are off: Monday 2027-01-04
    assert hours.add_minutes(new_year, start, (1 + 9 + 4 * 9 + 2) * 60) == on(1, 4, 11, year=2027)
    assert hours.seconds_between(new_year, start, on(1, 4, 11, year=2027)) == 48 * 3600


def test_long_spans_skip_weeks_only_where_nothing_is_dated():
    # 20 working weeks from Monday 2026-08-03: the six 国庆节 weekdays are off and the
    # make-up Saturday works, so the end moves five working days later
    start = on(8, 3, 9)
    plain = hours.WorkCalendar.of(
        work_days=[1, 2, 3, 4, 5],
        work_start=datetime.time(9),
        work_end=datetime.time(18),
        tz_name="Asia/Shanghai",
    )
    seconds = 20 * 5 * 9 * 3600
    assert hours.add_seconds(plain, start, seconds) == on(12, 18, 18)
    assert hours.add_seconds(CHINA, start, seconds) == on(12, 25, 18)
    assert hours.seconds_between(CHINA, start, on(12, 25, 18)) == seconds


def test_a_date_both_off_and_on_is_off():
    day = datetime.date(2026, 10, 10)
    both = hours.WorkCalendar.of(
        work_days=[1, 2, 3, 4, 5],
        work_start=datetime.time(9),
        work_end=datetime.time(18),
        tz_name="Asia/Shanghai",
        holidays=[day],
        extra_days=[day],
    )
    assert both.window(day) is None


def test_a_calendar_that_never_opens_again_is_refused_not_looped():
    never = hours.WorkCalendar(
        frozenset(),
        datetime.time(9),
        datetime.time(18),
        SH,
        extra_days=frozenset({datetime.date(2026, 10, 10)}),
    )
    assert hours.add_minutes(never, on(10, 9, 12), 60) == on(10, 10, 10)
    with pytest.raises(hours.NoWorkingTime):
        hours.add_minutes(never, on(10, 9, 12), 10 * 60)
    assert hours.seconds_between(never, on(10, 1, 0), on(12, 31, 0)) == 9 * 3600


def test_round_the_clock_ignores_holidays():
    always = hours.WorkCalendar.always(SH)
    assert hours.add_minutes(always, on(10, 1, 9), 60) == on(10, 1, 10)


dated_days = st.sets(
    st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2029, 12, 31)),
    max_size=60,
)
calendars_with_days = st.builds(
    lambda days, start, length, off, on_days: hours.WorkCalendar.of(
        work_days=sorted(days),
        work_start=datetime.time(start),
        work_end=datetime.time(min(23, start + length)),
        tz_name="Asia/Shanghai",
        holidays=off,
        extra_days=on_days,
    ),
    st.sets(st.integers(1, 7), min_size=1),
    st.integers(0, 20),
    st.integers(1, 12),
    dated_days,
    dated_days,
)


@settings(max_examples=300, deadline=None)
@given(calendars_with_days, moments, amounts)
def test_with_holidays_counting_what_was_added_gives_it_back(calendar, start, seconds):
    due = hours.add_seconds(calendar, start, seconds)
    assert hours.seconds_between(calendar, start, due) == seconds
    if seconds:
        assert calendar.works_on(due.astimezone(SH).date()) or due.astimezone(SH).time() == (
            datetime.time(0)
        )


@settings(max_examples=200, deadline=None)
@given(calendars_with_days, moments, moments, moments)
def test_with_holidays_counting_adds_up_over_consecutive_spans(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert hours.seconds_between(calendar, a, c) == (
        hours.seconds_between(calendar, a, b) + hours.seconds_between(calendar, b, c)
    )


@settings(max_examples=100, deadline=None)
@given(calendars_with_days, moments, moments)
def test_with_holidays_counting_matches_a_day_by_day_walk(calendar, a, b):
    a, b = sorted((a, b))
    walked = datetime.timedelta(0)
    day = a.date() - datetime.timedelta(days=1)
    while day <= b.date():
        window = calendar.window(day)
        if window is not None:
            lower, upper = max(a, window[0]), min(b, window[1])
            walked += max(upper - lower, datetime.timedelta(0))
        day += datetime.timedelta(days=1)
    assert hours.seconds_between(calendar, a, b) == int(walked.total_seconds())
