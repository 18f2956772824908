"""Working-hours arithmetic for SLA clocks: pure functions over a ``WorkCalendar``.

A calendar is the org's working days (ISO weekdays) and one daily window
``[start, end)`` in a time zone. ``add_seconds`` moves a moment forward by so many
working seconds; ``seconds_between`` counts the working seconds between two moments.
Both agree: ``seconds_between(a, add_seconds(a, n)) == n``. A moment outside working
hours counts from the next opening. ``WorkCalendar.always(tz)`` is round-the-clock
(SLA policies that count calendar time).

Whole weeks are skipped arithmetically, so a long promise costs no more than a short
one.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)
DEFAULT_DAYS = frozenset({1, 2, 3, 4, 5})
DEFAULT_START = datetime.time(9, 0)
DEFAULT_END = datetime.time(18, 0)


@dataclass(frozen=True)
class WorkCalendar:
    days: frozenset[int]
    start: datetime.time
    end: datetime.time  # datetime.time.max stands for midnight (the whole day)
    tz: datetime.tzinfo
    round_the_clock: bool = False

    @classmethod
    def always(cls, tz: datetime.tzinfo) -> "WorkCalendar":
        return cls(frozenset(range(1, 8)), datetime.time(0), datetime.time.max, tz, True)

    @classmethod
    def of(cls, *, work_days, work_start, work_end, tz_name: str) -> "WorkCalendar":
        """The calendar of an org's settings. No working days, or a window that ends
        before it starts, fall back to Monday–Friday 9:00–18:00 (a clock that never
        runs would never warn)."""
        tz = zoneinfo.ZoneInfo(tz_name)
        days = frozenset(int(day) for day in (work_days or ()) if 1 <= int(day) <= 7)
        start, end = work_start or DEFAULT_START, work_end or DEFAULT_END
        if start >= end:
            start, end = DEFAULT_START, DEFAULT_END
        return cls(days or DEFAULT_DAYS, start, end, tz)

    def window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The working window of ``day`` (aware datetimes), or None on a day off."""
        if day.isoweekday() not in self.days:
            return None
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
    first = True
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
        if first:
            # from the second day on every window is whole: skip whole weeks at once,
            # keeping some time for the last (partial) week
            first = False
            whole = (remaining - datetime.timedelta(microseconds=1)) // week
            if whole > 0:
                remaining -= week * whole
                day += WEEK * whole


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
    whole_weeks = max(0, ((last - day).days - 7) // 7)
    if whole_weeks:
        # count the first week day by day, skip the whole weeks in the middle
        total += _span(calendar, local_start, local_end, day, day + WEEK)
        total += datetime.timedelta(seconds=calendar.week_seconds) * whole_weeks
        day += WEEK * (1 + whole_weeks)
    total += _span(calendar, local_start, local_end, day, last + DAY)
    return int(total.total_seconds())


def _span(calendar, local_start, local_end, first_day, stop_day):
    total = datetime.timedelta(0)
    day = first_day
    while day < stop_day:
        window = calendar.window(day)
        if window is not None:
            lower, upper = max(local_start, window[0]), min(local_end, window[1])
            if upper > lower:
                total += upper - lower
        day += DAY
    return total
