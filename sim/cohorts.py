"""Which organizations meet on a given day: the cohort rules of the bylaw calendar.

Organizations are spread over meeting days so that meetings are cohort-level
events (DESIGN.md): each has a ``meeting_day`` of the month (1..28), bodies
that meet twice a month meet again two weeks later (``second_day``), bodies
that meet every k months meet in the months where ``(month + id) % k == 0``,
and Party Life Critique cohorts are a weekday (weekly cells) or a day parity
(cells that meet every two days). Every rule here is a pure function of the
organization id, its meeting day and the date, so a split cell simply joins a
cohort and nothing has to be re-scheduled.
"""

from __future__ import annotations

import numpy as np

from sim.organizations import MEETING_DAYS, Organizations

#: Weekday codes 0..6 are weekly critique cohorts; these two are the parities
#: of the every-two-days cohorts.
EVERY_TWO_DAYS_COHORTS = (7, 8)
N_CRITIQUE_COHORTS = 9

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def second_day(meeting_day: np.ndarray) -> np.ndarray:
    """The day two weeks after ``meeting_day``, wrapped into 1..28 (second meeting of the month)."""
    return (meeting_day.astype(np.int64) - 1 + 14) % MEETING_DAYS + 1


def in_phase(ids: np.ndarray, month_index: int, every_months: int) -> np.ndarray:
    """Whether bodies meeting every ``every_months`` months meet in month ``month_index``."""
    return (np.asarray(ids, dtype=np.int64) + month_index) % every_months == 0


def unit_hash(ids: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per organization id (stable across runs)."""
    mixed = (np.asarray(ids, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
    return ((mixed >> np.uint64(11)).astype(np.float64)) / float(1 << 53)


def critique_cohort(ids: np.ndarray, every_two_days_share: float) -> np.ndarray:
    """Critique cohort of each unit: a weekday 0..6, or 7/8 for every-two-days cells by parity."""
    ids = np.asarray(ids, dtype=np.int64)
    frequent = unit_hash(ids) < every_two_days_share
    return np.where(frequent, EVERY_TWO_DAYS_COHORTS[0] + ids % 2, ids % 7).astype(np.int8)


def meeting_today(orgs: Organizations, day_of_month: int, second: bool = False) -> np.ndarray:
    """Ids of living organizations whose (first or second) monthly meeting falls on this day."""
    meeting_day = orgs.column("meeting_day")
    due = (second_day(meeting_day) if second else meeting_day) == day_of_month
    return np.flatnonzero(due & orgs.column("alive"))
