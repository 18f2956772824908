"""Periods of targets and reports: month ``2026-12``, quarter ``2026-Q4``, year ``2026``.

A period is a kind and its first day; ``end`` is its last day. ``parse`` reads the text
form and refuses anything else with a translated field error.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
KINDS = (MONTH, QUARTER, YEAR)
MIN_YEAR = 2000
MAX_YEAR = 2100

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def add_months(day, months):
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(day):
    return day.replace(day=1)


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: datetime.date

    @property
    def months(self):
        return {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]

    @property
    def end(self):
        """The last day of the period."""
        return add_months(self.start, self.months) - datetime.timedelta(days=1)

    @property
    def label(self):
        if self.kind == MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def __str__(self):
        return self.label

    def month_starts(self):
        return [add_months(self.start, i) for i in range(self.months)]

    def sub_periods(self):
        """The periods one level down: a year's quarters, a quarter's months."""
        if self.kind == YEAR:
            return [Period(QUARTER, add_months(self.start, 3 * i)) for i in range(4)]
        if self.kind == QUARTER:
            return [Period(MONTH, day) for day in self.month_starts()]
        return []

    def contains(self, other):
        return self.start <= other.start and other.end <= self.end

    def progress(self, today):
        """The elapsed share of the period on ``today`` (0 before it, 1 after it): days
        gone, today included, over the days of the period."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        total = (self.end - self.start).days + 1
        return ((today - self.start).days + 1) / total

    def shift(self, steps):
        return Period(self.kind, add_months(self.start, steps * self.months))


def of(kind, day):
    """The period of ``kind`` that contains ``day``."""
    if kind == MONTH:
        return Period(MONTH, day.replace(day=1))
    if kind == QUARTER:
        return Period(QUARTER, datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    if kind == YEAR:
        return Period(YEAR, datetime.date(day.year, 1, 1))
    raise ValueError(kind)


def _bad(field):
    return ValidationError(
        {field: [_("周期格式不正确：月度如 2026-12，季度如 2026-Q4，年度如 2026。")]},
        code="bad_period",
    )


def parse(text, *, field="period"):
    """``Period`` from ``2026-12`` / ``2026-Q4`` / ``2026``; a ValidationError otherwise."""
    value = text.strip() if isinstance(text, str) else ""
    for pattern, kind in ((_MONTH_RE, MONTH), (_QUARTER_RE, QUARTER), (_YEAR_RE, YEAR)):
        found = pattern.match(value)
        if not found:
            continue
        year = int(found.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError(
                {
                    field: [
                        _("年份须在 %(low)s 到 %(high)s 之间。")
                        % {"low": MIN_YEAR, "high": MAX_YEAR}
                    ]
                },
                code="bad_period",
            )
        if kind == MONTH:
            month = int(found.group(2))
            if not 1 <= month <= 12:
                raise _bad(field)
            return Period(MONTH, datetime.date(year, month, 1))
        if kind == QUARTER:
            return Period(QUARTER, datetime.date(year, (int(found.group(2)) - 1) * 3 + 1, 1))
        return Period(YEAR, datetime.date(year, 1, 1))
    raise _bad(field)


def from_stored(kind, start, *, field="period"):
    """A period from a kind and a first day, checked (the day must start such a period)."""
    if kind not in KINDS:
        raise ValidationError({field: [_("周期类型无效。")]}, code="bad_period")
    if not isinstance(start, datetime.date) or not MIN_YEAR <= start.year <= MAX_YEAR:
        raise _bad(field)
    period = of(kind, start)
    if period.start != start:
        raise _bad(field)
    return period


def days_in_month(day):
    return calendar.monthrange(day.year, day.month)[1]
