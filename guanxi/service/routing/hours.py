"""Working-hours arithmetic for SLA clocks: pure functions over a ``WorkCalendar``.

A calendar is the org's working days (ISO weekdays) and one daily window
``[start, end)`` in a time zone. ``add_seconds`` moves a moment forward by so many
working seconds; ``seconds_between`` counts the working seconds between two moments.
Both agree: ``seconds_between(a, add_seconds(a, n)) == n``. A moment outside working
hours counts from the next opening. ``WorkCalendar.always(tz)`` is round-the-clock
(SLA policies that count calendar time).

The org's work calendar adds dated exceptions to the weekly pattern: ``holidays``
(法定节假日: no window even on a working weekday) and ``extra_days`` (调休上班: the normal
window even on a weekend). A date in both is a holiday.

Whole weeks without exceptions are skipped arithmetically, so a long promise costs no
more than a short one; ``seconds_between`` counts the weekly pattern and then corrects
each exception in the span.
"""

import bisect
import datetime
import zoneinfo
from dataclasses import dataclass, field

WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)
DEFAULT_DAYS = frozenset({1, 2, 3, 4, 5})
DEFAULT_START = datetime.time(9, 0)
DEFAULT_END = datetime.time(18, 0)
# days walked one by one (between skipped weeks) before giving up: a guard against a
# calendar that never opens, far beyond any real promise
MAX_DAYS = 40 * 366


class NoWorkingTime(ValueError):
    """The calendar has no working time left after a moment (e.g. no working weekday and
    no make-up day ahead)."""


@dataclass(frozen=True)
class WorkCalendar:
    days: frozenset[int]
    start: datetime.time
    end: datetime.time  # datetime.time.max stands for midnight (the whole day)
    tz: datetime.tzinfo
    round_the_clock: bool = False
    holidays: frozenset[datetime.date] = frozenset()
    extra_days: frozenset[datetime.date] = frozenset()
    # the exception dates in order (derived: holidays | extra_days)
    exceptions: tuple[datetime.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "exceptions", tuple(sorted(self.holidays | self.extra_days)))

    @classmethod
    def always(cls, tz: datetime.tzinfo) -> "WorkCalendar":
        return cls(frozenset(range(1, 8)), datetime.time(0), datetime.time.max, tz, True)

    @classmethod
    def of(
        cls, *, work_days, work_start, work_end, tz_name: str, holidays=(), extra_days=()
    ) -> "WorkCalendar":
        """The calendar of an org's settings and work calendar days. No working days, or
        a window that ends before it starts, fall back to Monday–Friday 9:00–18:00 (a
        clock that never runs would never warn)."""
        tz = zoneinfo.ZoneInfo(tz_name)
        days = frozenset(int(day) for day in (work_days or ()) if 1 <= int(day) <= 7)
        start, end = work_start or DEFAULT_START, work_end or DEFAULT_END
        if start >= end:
            start, end = DEFAULT_START, DEFAULT_END
        return cls(
            days or DEFAULT_DAYS,
            start,
            end,
            tz,
            holidays=frozenset(holidays),
            extra_days=frozenset(extra_days) - frozenset(holidays),
        )

    def works_on(self, day: datetime.date) -> bool:
        """Whether ``day`` has a working window (exceptions first, then the weekday)."""
        if day in self.holidays:
            return False
        return day in self.extra_days or day.isoweekday() in self.days

    def window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The working window of ``day`` (aware datetimes), or None on a day off."""
        if not self.works_on(day):
            return None
        return self._window(day)

    def weekly_window(self, day: datetime.date):
        """The window of ``day`` by the weekly pattern alone (exceptions ignored)."""
        if day.isoweekday() not in self.days:
            return None
        return self._window(day)

    def _window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        opens = datetime.datetime.combine(day, self.start, tzinfo=self.tz)
        if self.end == datetime.time.max:
            closes = datetime.datetime.combine(day + DAY, datetime.time(0), tzinfo=self.tz)
        else:
            closes = datetime.datetime.combine(day, self.end, tzinfo=self.tz)
        return opens, closes

    @property
    def day_seconds(self) -> int:
        opens = datetime.datetime.combine(datetime.date(2000, 1, 3), self.start)
        if self.end == datetime.time.max:
            closes = datetime.datetime.combine(datetime.date(2000, 1, 4), datetime.time(0))
        else:
            closes = datetime.datetime.combine(datetime.date(2000, 1, 3), self.end)
        return int((closes - opens).total_seconds())

    @property
    def week_seconds(self) -> int:
        return self.day_seconds * len(self.days)

    def next_exception(self, day: datetime.date) -> datetime.date | None:
        """The first exception date on or after ``day``, or None."""
        index = bisect.bisect_left(self.exceptions, day)
        return self.exceptions[index] if index < len(self.exceptions) else None

    def exceptions_between(self, first: datetime.date, last: datetime.date):
        """The exception dates from ``first`` to ``last`` (both included)."""
        low = bisect.bisect_left(self.exceptions, first)
        high = bisect.bisect_right(self.exceptions, last)
        return self.exceptions[low:high]


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise ValueError("working-hours arithmetic needs aware datetimes")
    return moment


def add_seconds(calendar: WorkCalendar, moment: datetime.datetime, seconds: int):
    """``moment`` moved forward by ``seconds`` working seconds (``seconds`` ≤ 0: the
    moment itself). The result always lies within a working window."""
    moment = _aware(moment)
    if seconds <= 0:
        return moment
    if calendar.round_the_clock:
        return moment + datetime.timedelta(seconds=seconds)
    local = moment.astimezone(calendar.tz)
    remaining = datetime.timedelta(seconds=seconds)
    week = datetime.timedelta(seconds=calendar.week_seconds)
    day = local.date()
    steps = 0
    while True:
        window = calendar.window(day)
        if window is not None:
            current = max(local, window[0])
            if current < window[1]:
                available = window[1] - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
        day += DAY
        # from the second day on every window is whole: skip the whole weeks that hold
        # no exception at once, keeping some time for the last (partial) week
        following = calendar.next_exception(day)
        if week:
            whole = (remaining - datetime.timedelta(microseconds=1)) // week
            if following is not None:
                whole = min(whole, (following - day).days // 7)
            if whole > 0:
                remaining -= week * whole
                day += WEEK * whole
        elif following is None:
            raise NoWorkingTime(day)  # no working weekday and no make-up day ahead
        steps += 1
        if steps > MAX_DAYS:
            raise NoWorkingTime(day)


def add_minutes(calendar: WorkCalendar, moment: datetime.datetime, minutes: int):
    """``moment`` moved forward by ``minutes`` working minutes."""
    return add_seconds(calendar, moment, int(minutes) * 60)


def seconds_between(calendar: WorkCalendar, start: datetime.datetime, end: datetime.datetime):
    """Whole working seconds from ``start`` to ``end`` (0 when ``end`` is not after
    ``start``)."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0
    if calendar.round_the_clock:
        return int((end - start).total_seconds())
    local_start, local_end = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    total = datetime.timedelta(0)
    day = local_start.date()
    last = local_end.date()
    first = day
    whole_weeks = max(0, ((last - day).days - 7) // 7)
    if whole_weeks:
        # count the first week day by day, skip the whole weeks in the middle
        total += _span(calendar, local_start, local_end, day, day + WEEK)
        total += datetime.timedelta(seconds=calendar.week_seconds) * whole_weeks
        day += WEEK * (1 + whole_weeks)
    total += _span(calendar, local_start, local_end, day, last + DAY)
    # the weekly pattern counted, now each exception in the span: its window instead
    for exception in calendar.exceptions_between(first, last):
        total += _overlap(calendar.window(exception), local_start, local_end)
        total -= _overlap(calendar.weekly_window(exception), local_start, local_end)
    return int(total.total_seconds())


def _overlap(window, local_start, local_end) -> datetime.timedelta:
    if window is None:
        return datetime.timedelta(0)
    lower, upper = max(local_start, window[0]), min(local_end, window[1])
    return upper - lower if upper > lower else datetime.timedelta(0)


def _span(calendar, local_start, local_end, first_day, stop_day):
    """The working time from ``first_day`` up to ``stop_day`` by the weekly pattern."""
    total = datetime.timedelta(0)
    day = first_day
    while day < stop_day:
        total += _overlap(calendar.weekly_window(day), local_start, local_end)
        day += DAY
    return total
