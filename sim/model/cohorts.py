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

from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

from sim.model.organizations import BASIC_ORGS, MEETING_DAYS, MEMBER_UNITS, Kind, Organizations

#: Weekday codes 0..6 are weekly critique cohorts; these two are the parities
#: of the every-two-days cohorts.
EVERY_TWO_DAYS_COHORTS = (7, 8)
N_CRITIQUE_COHORTS = 9

#: The bodies that hold the bylaw meetings, grouped apart so that a day's units and a day's basic
#: organizations are each one slice of a bucket, with no lookup of their kinds: the units (cells and
#: party teams) and the basic organizations (primary, branch, sub-primary). Committees above them meet
#: on no cohort day.
UNITS, BASIC = 0, 1
_MEETING_GROUP = np.full(len(Kind), -1, dtype=np.int64)
_MEETING_GROUP[list(MEMBER_UNITS)] = UNITS
_MEETING_GROUP[list(BASIC_ORGS)] = BASIC
_N_MEETING_GROUPS = 2

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

T = TypeVar("T")


def second_day(meeting_day: np.ndarray) -> np.ndarray:
    """The day two weeks after ``meeting_day``, wrapped into 1..28 (second meeting of the month)."""
    return (meeting_day.astype(np.int64) - 1 + 14) % MEETING_DAYS + 1


def in_phase(ids: np.ndarray, month_index: int, every_months: int | np.ndarray) -> np.ndarray:
    """Whether bodies meeting every ``every_months`` months (one for all, or one per body) meet in month
    ``month_index``."""
    return (np.asarray(ids, dtype=np.int64) + month_index) % every_months == 0


def unit_hash(ids: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per organization id (stable across runs)."""
    mixed = (np.asarray(ids, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
    return ((mixed >> np.uint64(11)).astype(np.float64)) / float(1 << 53)


def critique_cohort(ids: np.ndarray, every_two_days_share: float | np.ndarray) -> np.ndarray:
    """Critique cohort of each unit: a weekday 0..6, or 7/8 for every-two-days cells by parity.

    ``every_two_days_share`` is the share of units critiquing every two days,
    one for all or one per unit (by the unit's type); the fixed hash of the
    unit's id picks which, the same units in every run.
    """
    ids = np.asarray(ids, dtype=np.int64)
    frequent = unit_hash(ids) < every_two_days_share
    return np.where(frequent, EVERY_TWO_DAYS_COHORTS[0] + ids % 2, ids % 7).astype(np.int8)


class Buckets:
    """Ids of living organizations grouped by a small integer key (meeting day, critique cohort).

    Looking up today's cohort is then O(cohort size). ``key(orgs, rows)`` gives
    the key of the organizations in the slice ``rows`` (-1: in no group); it
    must be a pure function of columns fixed when an organization is created
    (id, kind, type, meeting day), so an organization keeps its key until it is
    dissolved and leaves its group. Each group is an array of ids in id order.
    When the organization table changes (organizations added or dissolved: at
    national scale every threshold check does), only the new rows' keys are
    computed, the dissolved organizations are cut out of their groups (found
    by bisection) and the new ones, whose ids are above all others, are put at
    the ends of theirs: the groups that did not change are kept as they are
    (sorting all half a million keys again at each of the hundred regroupings
    of a national run took 0.7 s). ``regroupings`` counts these rebuilds, so
    that a user keeping sums over the groups knows when to recount them. A
    group's array is read-only and replaced, never modified, when the group
    changes: what a user derives from one holds as long as :meth:`ids` returns
    that same array.

    Whether the table changed is asked of the organizations' hierarchy cache
    (``Organizations.of_hierarchy``, cleared by every append and dissolve): a
    dictionary lookup on each of the dozens of calls a day, not a comparison
    of the table's size and kind counts.
    """

    def __init__(self, orgs: Organizations, key: Callable[[Organizations, slice], np.ndarray], n_keys: int):
        if n_keys > np.iinfo(np.int8).max:
            raise ValueError(f"at most {np.iinfo(np.int8).max} groups, not {n_keys}")
        self.orgs = orgs
        self.key = key
        self.n_keys = n_keys
        self._signature: tuple[int, bytes] | None = None
        self._keys = np.zeros(0, dtype=np.int8)
        empty = np.zeros(0, dtype=np.int64)
        empty.flags.writeable = False
        self._groups = [empty] * n_keys
        self.regroupings = 0

    def _regroup(self) -> np.ndarray:
        """Regroup if organizations were added or dissolved since the last grouping (not if only reparented);
        returns the keys by id, which the hierarchy cache holds until the table changes again."""
        signature = (self.orgs.n, self.orgs.kind_counts.tobytes())
        if signature == self._signature:
            return self._keys
        known, alive = len(self._keys), self.orgs.column("alive")
        keys = np.concatenate([self._keys, self.key(self.orgs, slice(known, self.orgs.n)).astype(np.int8)])
        gone = np.flatnonzero((self._keys >= 0) & ~alive[:known])  # dissolved since the last grouping
        fresh = known + np.flatnonzero((keys[known:] >= 0) & alive[known:])
        gone, gone_at = _by_key(gone, keys[gone], self.n_keys)
        fresh, fresh_at = _by_key(fresh, keys[fresh], self.n_keys)
        keys[gone] = -1
        keys[known:][~alive[known:]] = -1
        for key in range(self.n_keys):
            if gone_at[key] == gone_at[key + 1] and fresh_at[key] == fresh_at[key + 1]:
                continue  # nothing joined or left this group
            group = self._groups[key]
            group = np.delete(group, np.searchsorted(group, gone[gone_at[key] : gone_at[key + 1]]))
            group = np.concatenate([group, fresh[fresh_at[key] : fresh_at[key + 1]]])
            group.flags.writeable = False
            self._groups[key] = group
        self._keys = keys
        self._signature = signature
        self.regroupings += 1
        return keys

    def ids(self, key: int) -> np.ndarray:
        """Ids of the organizations in group ``key``, in id order (read-only; the same array until the group
        changes)."""
        self.orgs.of_hierarchy(self, self._regroup)  # regrouped if the table changed
        return self._groups[key]

    def regrouped(self) -> int:
        """:attr:`regroupings`, after regrouping if the table changed: what a user derives from the groups
        holds while it stays the same."""
        self.orgs.of_hierarchy(self, self._regroup)  # regrouped if the table changed
        return self.regroupings

    def keys(self) -> np.ndarray:
        """The group of every organization by id (-1: in none), to test many members' units at once."""
        self.orgs.of_hierarchy(self, self._regroup)  # regrouped if the table changed
        return self._keys


class GroupMemo(Generic[T]):
    """What a day's cohort yields (counted or picked from its ids and columns fixed when an organization is
    created), kept per cohort while the group is the same array: :class:`Buckets` replaces a group's array
    when an organization joins or leaves it, so at national scale nearly every day finds last month's answer
    instead of a pass over sixteen thousand units."""

    def __init__(self, derive: Callable[[np.ndarray], T]):
        self._derive = derive
        self._held: dict[int, tuple[np.ndarray, T]] = {}

    def __call__(self, key: int, ids: np.ndarray) -> T:
        """``derive(ids)`` for the group ``key`` whose ids are ``ids``, derived again only if ``ids`` changed."""
        held = self._held.get(key)
        if held is None or held[0] is not ids:
            held = (ids, self._derive(ids))
            self._held[key] = held
        return held[1]


def _by_key(ids: np.ndarray, keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, list[int]]:
    """``ids`` (in id order) sorted by their ``keys`` 0..n_keys-1, in id order within a key, and where the
    run of each key starts (``n_keys + 1`` bounds)."""
    order = np.argsort(keys, kind="stable")
    return ids[order], np.searchsorted(keys[order], np.arange(n_keys + 1)).tolist()


def meeting_buckets(orgs: Organizations) -> Buckets:
    """Living units and basic organizations by the day of month of their first monthly meeting.

    The key is (meeting day - 1) x 2 + group (:data:`UNITS` or :data:`BASIC`), 0..55.
    """

    def key(table: Organizations, rows: slice) -> np.ndarray:
        group = _MEETING_GROUP[table.kind[rows]]
        return np.where(group >= 0, (table.meeting_day[rows].astype(np.int64) - 1) * _N_MEETING_GROUPS + group, -1)

    return Buckets(orgs, key, MEETING_DAYS * _N_MEETING_GROUPS)


def meeting_today(buckets: Buckets, day_of_month: int, group: int, second: bool = False) -> np.ndarray:
    """Ids (in id order) of the living :data:`UNITS` or :data:`BASIC` organizations whose (first or second)
    monthly meeting falls on this day."""
    if day_of_month > MEETING_DAYS:  # the 29th-31st: no body meets
        return np.empty(0, dtype=np.int64)
    # second_day(m) == d  <=>  m == the day two weeks before d.
    first_day = (day_of_month - 1 - 14) % MEETING_DAYS + 1 if second else day_of_month
    return buckets.ids((first_day - 1) * _N_MEETING_GROUPS + group)
