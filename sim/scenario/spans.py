"""Spans of time as scenario files write them (``5y``, ``18m``, ``260w``, ``400d``).

A span is part of the file format, so it lives in the scenario layer: the scenario
validates that every span it names stays on the calendar, and the model's
:class:`~sim.model.calendar.Calendar` turns spans into ticks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: A span as written in scenario files: a count and a unit (days, weeks,
#: calendar months, calendar years), e.g. ``5y``, ``18m``, ``260w``, ``400d``.
SPAN_PATTERN = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")


@dataclass(frozen=True)
class Span:
    """A length of time in days, weeks, calendar months or calendar years."""

    count: int
    unit: str  # one of d, w, m, y

    @classmethod
    def parse(cls, text: str) -> Span:
        match = SPAN_PATTERN.match(str(text))
        if not match:
            raise ValueError(f"a span like '5y', '18m', '260w' or '400d' (count + d/w/m/y), found {text!r}")
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    def months(self) -> int | None:
        """Length in calendar months, or None for day/week spans."""
        if self.unit == "m":
            return self.count
        if self.unit == "y":
            return 12 * self.count
        return None

    def days(self) -> int | None:
        """Length in days, or None for calendar-month/year spans."""
        if self.unit == "d":
            return self.count
        if self.unit == "w":
            return 7 * self.count
        return None


def add_months(date: dt.date, months: int) -> dt.date:
    month_index = date.year * 12 + (date.month - 1) + months
    year, month = divmod(month_index, 12)
    # Clamp to the month's last day (31 Jan + 1 month = 28/29 Feb).
    next_month_first = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (next_month_first - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(date.day, last_day))


def shift(date: dt.date, span: Span) -> dt.date:
    """``date`` plus ``span`` (calendar months and years clamp to the month's last day)."""
    months = span.months()
    if months is not None:
        return add_months(date, months)
    days = span.days()
    assert days is not None  # a span is counted in days or in months
    return date + dt.timedelta(days=days)
