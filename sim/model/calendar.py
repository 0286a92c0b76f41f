"""Sim day <-> calendar date, and the ticks of every bylaw cadence.

Sim time is counted in whole days from the scenario's ``start`` date. Bylaw
cadences are calendar rules ("at least once a month", "every three months",
"once a week"), so they are generated from real dates here, in one place, and
every mechanism asks the calendar for its ticks instead of doing date
arithmetic of its own. All functions are vectorized over numpy arrays of days
so that a whole cohort of cells gets its next meeting date in one call.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.model.organizations import MEETING_DAYS
from sim.scenario.spans import Span, add_months, shift

#: The recorder samples a row for date *d* half a day before *d*: after every
#: mechanism of day *d - 1* and before any mechanism of day *d*, so a row is
#: "the state at the start of that date" and its flows cover the days since
#: the previous row.
RECORD_PHASE = -0.5

#: The types of one day for all (:meth:`MeetingDates.of`).
_ONE_DAY = (int, np.integer)

#: Up to this many days are bounded in Python (:meth:`MeetingDates.of`).
_FEW = 16

#: The :class:`MeetingDates` tables built in this process, by calendar (start, horizon) and range; at most
#: ``_MAX_TABLES`` (a run builds three, a few hundred kilobytes each).
_TABLES: dict[tuple[dt.date, int, int, int, bool], np.ndarray] = {}
_MAX_TABLES = 12


class Calendar:
    """Converts sim days to dates and generates cadence ticks within the horizon."""

    def __init__(self, start: dt.date, duration: Span):
        self.start = start
        self._start64 = np.datetime64(start, "D")
        self.end = self.shift(start, duration)
        #: Number of simulated days; days run from 0 to ``horizon - 1``.
        self.horizon = (self.end - start).days
        if self.horizon <= 0:
            raise ValueError("duration must be at least one day")
        every_day = np.arange(self.horizon + 1)
        #: Per sim day (0..horizon): day of month, months since the start month, weekday (Monday 0).
        #: Daily mechanisms read these instead of doing date arithmetic every tick.
        self.dom = self.day_of_month(every_day)
        self.month = self.month_index(every_day)
        self.weekday = (self.dates64(every_day).astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        #: Sim days of the first of consecutive months (grown on demand; see :meth:`_month_starts`).
        self._starts = np.zeros(0, dtype=np.int64)
        self._first_month = np.datetime64(start, "M")

    # -- conversions -----------------------------------------------------
    shift = staticmethod(shift)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def day(self, date: dt.date) -> int:
        return (date - self.start).days

    @property
    def start64(self) -> np.datetime64:
        """The first day of the run as a numpy datetime64[D]."""
        return self._start64

    def dates64(self, days: np.ndarray) -> np.ndarray:
        """Vectorized day -> numpy datetime64[D]."""
        return self._start64 + np.asarray(days).astype("timedelta64[D]")

    def days_of(self, dates64: np.ndarray) -> np.ndarray:
        return (np.asarray(dates64, dtype="datetime64[D]") - self._start64).astype(np.int64)

    def day_of_month(self, days: np.ndarray | int) -> np.ndarray:
        d64 = self.dates64(np.asarray(days))
        return (d64 - d64.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1

    def month_index(self, days: np.ndarray | int) -> np.ndarray:
        """Months since the start's month (0 for the start month)."""
        d64 = self.dates64(np.asarray(days))
        return (d64.astype("datetime64[M]") - self._start64.astype("datetime64[M]")).astype(np.int64)

    # -- meeting dates of cohorts ------------------------------------------
    def _month_starts(self, lo: int, hi: int) -> np.ndarray:
        """Sim days of the first of every month from the month before day ``lo`` to the month after ``hi``.

        Kept and grown by a year or more at a time, so that the daily procedures
        (next cell meeting, end of probation) find meeting dates by integer
        lookups instead of datetime arithmetic on every call.
        """
        starts = self._starts
        if len(starts) > 1 and starts[1] <= lo and hi < starts[-1]:
            return starts  # the months around lo and hi are covered (the usual case: no datetime arithmetic)
        lo_month, hi_month = self.dates64(np.array([lo, hi])).astype("datetime64[M]")
        first, last = lo_month - 1, hi_month + 1
        covered = self._first_month + len(self._starts) - 1
        if len(self._starts) == 0 or first < self._first_month or last > covered:
            if len(self._starts):
                first, last = min(first, self._first_month), max(last, covered)
            self._first_month = first - 12
            self._starts = self.days_of(np.arange(self._first_month, last + 13).astype("datetime64[D]"))
        return self._starts

    def next_monthly(self, days: np.ndarray | int, day_of_month: np.ndarray) -> np.ndarray:
        """For each (day, meeting day-of-month 1..28): the first meeting on or after day (one day for all: an int)."""
        return self._monthly(days, day_of_month, later=True)

    def previous_monthly(self, days: np.ndarray | int, day_of_month: np.ndarray) -> np.ndarray:
        """For each (day, meeting day-of-month 1..28): the last meeting on or before day."""
        return self._monthly(days, day_of_month, later=False)

    def _monthly(self, days: np.ndarray | int, day_of_month: np.ndarray, later: bool) -> np.ndarray:
        """The meeting in the day's month, or in the next (previous) month if it falls before (after) the day."""
        days = np.asarray(days, dtype=np.int64)
        offset = np.asarray(day_of_month, dtype=np.int64) - 1
        if days.size == 0:
            return np.zeros(days.shape, dtype=np.int64)
        lo, hi = (int(days), int(days)) if days.ndim == 0 else (int(days.min()), int(days.max()))
        starts = self._month_starts(lo, hi)
        # One day for all (the next meeting after today: best passed as one number): one month lookup.
        if lo == hi and (days.ndim == 0 or offset.shape == days.shape):
            at = int(np.searchsorted(starts, lo, side="right")) - 1
            candidate = offset + starts[at]
            missed = candidate < lo if later else candidate > lo
            return np.where(missed, offset + starts[at + (1 if later else -1)], candidate)
        month = np.searchsorted(starts, days, side="right") - 1
        candidate = starts[month] + offset
        missed = candidate < days if later else candidate > days
        return np.where(missed, starts[month + (1 if later else -1)] + offset, candidate)

    # -- tick generators (arrays of days inside [0, horizon)) -------------
    def every(self, n_days: int, offset: int = 0) -> np.ndarray:
        """Every n days starting at ``offset`` (e.g. Party Life Critique every 2 days)."""
        return np.arange(offset, self.horizon, n_days, dtype=np.int64)

    def daily(self) -> np.ndarray:
        return self.every(1)

    def weekly(self, weekday: int) -> np.ndarray:
        """Every week on ``weekday`` (0 = Monday)."""
        first = (weekday - self.start.weekday()) % 7
        return self.every(7, first)

    def monthly(self, day_of_month: int = 1, every_months: int = 1, phase: int = 0) -> np.ndarray:
        """On ``day_of_month`` of every ``every_months``-th month (quarterly: 3, yearly: 12).

        ``phase`` shifts which months are chosen (0..every_months-1) so that
        quarterly bodies can be spread over the quarter's three months.
        """
        first_month = self._start64.astype("datetime64[M]")
        months = first_month + np.arange(0, self.horizon // 28 + 2)
        months = months[(months - first_month).astype(np.int64) % every_months == phase % every_months]
        dates = months.astype("datetime64[D]") + np.timedelta64(day_of_month - 1, "D")
        days = self.days_of(dates)
        return days[(days >= 0) & (days < self.horizon)]

    def span_ticks(self, span: Span, first: int = 0) -> np.ndarray:
        """Days at multiples of a span from the start (record_every, reorganization...)."""
        days = span.days()
        if days is not None:
            ticks = self.every(days)
            return ticks[ticks >= first]
        months = span.months()
        assert months is not None  # a span is counted in days or in months
        found: list[int] = []
        k = 0
        while True:
            day = self.day(add_months(self.start, k * months))
            if day >= self.horizon:
                break
            if day >= first:
                found.append(day)
            k += 1
        return np.asarray(found, dtype=np.int64)


class MeetingDates:
    """The cell meeting on or after (or on or before) each day of a range, for every meeting day of the month.

    The daily procedures ask for such a date thousands of times a run (the cell's
    next meeting, the meeting that closes a probation or a good-conduct period),
    a few ids at a time: :meth:`Calendar.next_monthly`'s month lookup on each call
    cost more than the ids. The table holds its answers for the days
    ``first..last`` and every meeting day 1..``MEETING_DAYS`` (column 0 unused),
    built once by its rule: the meeting in the day's month, or in the next
    (previous) month if it falls before (after) the day. Days outside the range
    are asked of the calendar. Tables are kept for the process (``_TABLES``): the runs of a sweep share
    their calendar, and a 10,000-member run's three tables took a fraction of a percent of it to build.
    """

    def __init__(self, calendar: Calendar, first: int, last: int, later: bool):
        self._monthly = calendar.next_monthly if later else calendar.previous_monthly
        self._first = first
        key = (calendar.start, calendar.horizon, first, last, later)
        dates = _TABLES.get(key)
        if dates is None:
            if len(_TABLES) >= _MAX_TABLES:
                _TABLES.clear()
            dates = _TABLES[key] = self._build(calendar, first, last, later)
        self._dates = dates
        self._flat = dates.ravel()  # a view: the table is contiguous
        (self._rows, self._width), self._size = dates.shape, dates.size  # (attributes: ``len`` costs more)

    @staticmethod
    def _build(calendar: Calendar, first: int, last: int, later: bool) -> np.ndarray:
        """The table (read-only): a row per day ``first..last``, a column per meeting day 0..``MEETING_DAYS``."""
        days = np.arange(first, last + 1, dtype=np.int64)
        ones = np.ones(len(days), dtype=np.int64)
        month = calendar.previous_monthly(days, ones)  # the first of each day's month
        other = calendar.next_monthly(days + 1, ones) if later else calendar.previous_monthly(month - 1, ones)
        offset = np.arange(MEETING_DAYS + 1, dtype=np.int64) - 1
        dates = month[:, None] + offset
        missed = dates < days[:, None] if later else dates > days[:, None]
        table = np.where(missed, other[:, None] + offset, dates)
        table.flags.writeable = False
        return table

    def of(self, days: int | np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
        """The meeting on or after (before) ``days`` (one day for all, or one per id) for each ``day_of_month``."""
        if isinstance(days, _ONE_DAY):  # a tuple: a union type is three times slower to test
            row = days - self._first
            if 0 <= row < self._rows:
                # One meeting day as a scalar (a small party's filing): its Python int read at two indices, not a
                # numpy scalar made by indexing (4.7 thousand instructions), nor a row's view indexed again.
                if day_of_month.ndim == 0:
                    return self._dates.item(row, day_of_month)
                return self._dates[row].take(day_of_month)
            return self._monthly(days, day_of_month)
        if len(days) > _FEW or day_of_month.ndim == 0:
            # Many ids: one flat index (a meeting day is below a row's width), bounded by one reduction (as
            # unsigned, a day before the table passes its end too), and a take rather than a two-array index:
            # 1,000 ids 4.2 against 6.6 us, 200 ids 2.9 against 3.8.
            at = (days - self._first).astype(np.int64, copy=False)  # a new array: scaled and offset in place
            at *= self._width
            at += day_of_month
            if len(at) == 0 or int(at.view(np.uint64).max()) < self._size:
                return self._flat.take(at)
            return self._monthly(days, day_of_month)
        # A few (one meeting day per id): the same flat indices and bounds in Python, where each of numpy's array
        # calls costs more than a microsecond (two ids: 12.6 against 24.7 thousand instructions).
        first, width = self._first, self._width
        listed = [(day - first) * width + meeting for day, meeting in zip(days.tolist(), day_of_month.tolist())]
        if not listed or (min(listed) >= 0 and max(listed) < self._size):
            return self._flat.take(listed)
        return self._monthly(days, day_of_month)
