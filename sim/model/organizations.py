"""The organization table: central committee down to cells, as arrays with parent ids.

Source: "Basic Party Organizations" (NK Leadership Watch). Party cells of 5 to
30 members are "the starting point of party life"; "the primary party
organization consists of more than 31 party members"; "branch party
organizations (a sectional party organization) are established at workplaces
and production sites"; "if local party members ... cannot be organized based
on the 'organizational formula' of the party cell, primary party organization
and branch party organization then a sub-primary party organization is
established"; a group abroad or relocated with fewer than five members forms
a "party team". Above them are the county/city committees, the provincial
committees and the Central Committee (in the army: units, corps and the
General Political Bureau).

Like members, organizations are rows of numpy columns: the hierarchy is a
``parent`` column, per-organization aggregates come from ``np.bincount`` over
the member table (``sim.model.aggregates``), and a cell's meeting day-of-month is its
cohort so that meetings are cohort-level events (DESIGN.md). Which
organizations exist is decided by the organizational formula in
``sim.model.structure``; this module only stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from enum import IntEnum
from typing import ClassVar

import numpy as np

from sim.model.table import ColumnTable


class Kind(IntEnum):
    CENTRAL = 0  # Central Committee, or the army's General Political Bureau
    PROVINCE = 1  # provincial committee (corps in the army)
    COUNTY = 2  # county/city committee (unit party committee in the army)
    PRIMARY = 3  # primary party organization (> 31 members)
    BRANCH = 4  # branch party organization at a workplace section
    SUBPRIMARY = 5  # sub-primary organization where the other formulas do not fit
    CELL = 6  # party cell, 5-30 members
    TEAM = 7  # party team: a temporary unit abroad or relocated, < 5 members


#: Kinds that hold members directly.
MEMBER_UNITS = (Kind.CELL, Kind.TEAM)
#: Kinds between the county/city committee and the cells; each has a general meeting and a committee.
BASIC_ORGS = (Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY)
#: Basic organizations that stand directly under a county/city committee (branches sit inside primaries).
TOP_BASIC_ORGS = (Kind.PRIMARY, Kind.SUBPRIMARY)


def of_kind(*kinds: Kind) -> np.ndarray:
    """Lookup table over kinds: ``of_kind(A, B)[orgs.kind[ids]]`` is True where the kind is A or B."""
    wanted = np.zeros(len(Kind), dtype=bool)
    wanted[list(kinds)] = True
    return wanted


def is_kind(codes: np.ndarray, *kinds: Kind) -> np.ndarray:
    """``of_kind(*kinds)[codes]``: by comparisons when the kinds are one range of codes (the cells and party
    teams, the basic organizations: ten times faster than a lookup by int8 codes on half a million rows),
    else by ``take`` of the lookup table (twice as fast as indexing by the codes)."""
    low, high = int(min(kinds)), int(max(kinds))
    if low == high:
        return codes == low
    if high - low + 1 == len(set(kinds)):
        wanted = codes >= low
        wanted &= codes <= high
        return wanted
    return of_kind(*kinds).take(codes)


IS_TOP_BASIC_ORG = of_kind(*TOP_BASIC_ORGS)

#: Day-of-month range for monthly meetings: 1..28 exists in every month.
MEETING_DAYS = 28


def _read_only(array: np.ndarray) -> np.ndarray:
    """``array``, flagged read-only (an array kept for many readers)."""
    array.flags.writeable = False
    return array


class Organizations(ColumnTable):
    """Struct-of-arrays organization table."""

    COLUMNS: ClassVar[dict[str, tuple[type, object]]] = {
        "kind": (np.int8, Kind.CELL),
        "parent": (np.int32, -1),
        "county": (np.int32, -1),  # county/city committee above (itself for a county)
        "province": (np.int32, -1),
        "meeting_day": (np.int8, 1),  # day of month of the monthly meeting (cohort)
        "alive": (np.bool_, True),  # False once merged away or dissolved
        "abroad": (np.bool_, False),  # a unit abroad or relocated (party teams)
        "committee": (np.bool_, False),  # has an elected committee (cell committee, org committee)
        "executive": (np.bool_, False),  # has an executive committee (large primary/sub-primary)
        "site": (np.int32, -1),  # the workplace or residential locality a unit belongs to
        "section": (np.int32, -1),  # the workplace section (branch territory) within the site
        "workplace": (np.bool_, False),  # the site is a workplace (else a residential locality)
        "type": (np.int8, 0),  # organization type: the sector code its members count in (sim.model.sectors)
        "secretary": (np.int32, -1),  # member id of the elected secretary (-1: none)
        "deputy": (np.int32, -1),  # member id of the elected deputy secretary (-1: none)
    }

    kind: np.ndarray
    parent: np.ndarray
    county: np.ndarray
    province: np.ndarray
    meeting_day: np.ndarray
    alive: np.ndarray
    abroad: np.ndarray
    committee: np.ndarray
    executive: np.ndarray
    site: np.ndarray
    section: np.ndarray
    workplace: np.ndarray
    type: np.ndarray
    secretary: np.ndarray
    deputy: np.ndarray

    def __init__(self, capacity: int):
        super().__init__(capacity)
        #: Living organizations of each kind, kept up to date by append/dissolve.
        self.kind_counts = np.zeros(len(Kind), dtype=np.int64)
        #: Arrays derived from the hierarchy alone (``kind``, ``parent``, ``alive``), kept until it changes.
        #: Those columns change only through append, dissolve and reparent, which clear it.
        self._hierarchy_cache: dict[Hashable, np.ndarray] = {}
        #: The masks of :meth:`living` by kinds. They depend on ``kind`` and ``alive`` alone: a reparent keeps
        #: them, and append and dissolve update those of the kinds they touch rather than scan the table again
        #: (a regular re-organization reparents, dissolves and appends a few organizations, and each time the
        #: masks of half a dozen kinds were scanned again).
        self._living: dict[tuple[Kind, ...], np.ndarray] = {}
        #: The ids of :meth:`ids_of` by kinds, found from those masks until the hierarchy changes (kept no
        #: longer: at national scale they are megabytes each, and the run's peak memory is thin).
        self._ids: dict[tuple[Kind, ...], np.ndarray] = {}

    def append(self, count: int, written: Collection[str] = (), /, **columns) -> np.ndarray:
        ids = super().append(count, written, **columns)
        self.kind_counts += np.bincount(self.kind[ids], minlength=len(Kind))
        self._hierarchy_cache.clear()
        self._ids.clear()
        for kinds, mask in self._living.items():
            self._living[kinds] = _read_only(np.concatenate([mask, self._scan(kinds, slice(len(mask), self.n))]))
        return ids

    def dissolve(self, ids: np.ndarray) -> None:
        """Mark organizations as merged away or dissolved."""
        ids = ids[self.alive[ids]]
        self.alive[ids] = False
        self.committee[ids] = False
        self.executive[ids] = False
        self.kind_counts -= np.bincount(self.kind[ids], minlength=len(Kind))
        self._hierarchy_cache.clear()
        self._ids.clear()
        for kinds, mask in self._living.items():
            ended = ids.compress(mask.take(ids))  # those of these kinds (dissolving primaries leaves the cells)
            if len(ended):
                mask = mask.copy()
                mask[ended] = False
                self._living[kinds] = _read_only(mask)

    def reparent(self, ids: np.ndarray, parents: np.ndarray) -> None:
        """Attach organizations to new parents: the only way ``parent`` changes after an append."""
        self.parent[ids] = parents
        self._hierarchy_cache.clear()
        self._ids.clear()

    def of_hierarchy(self, key: Hashable, derive: Callable[[], np.ndarray]) -> np.ndarray:
        """``derive()``, computed once per state of the hierarchy (read-only).

        For arrays that depend only on ``kind``, ``parent`` and ``alive`` (and
        the number of rows): mechanisms ask for them daily or monthly, while
        the hierarchy changes only at re-organizations and threshold checks,
        and at national scale each derivation is a pass over half a million rows.
        """
        # A lookup that fails once per state of the hierarchy: indexing costs two thirds of ``dict.get`` (53
        # against 80 ns), and a county's party asks some 14,000 times a run (the cohorts' buckets, daily).
        try:
            return self._hierarchy_cache[key]
        except KeyError:
            derived = self._hierarchy_cache[key] = _read_only(derive())
            return derived

    def ids_of(self, *kinds: Kind) -> np.ndarray:
        """Ids of living organizations of the given kinds (read-only; kept until the hierarchy changes).

        Mechanisms ask for the same kinds many times between re-organizations;
        at national scale each scan is half a million rows.
        """
        ids = self._ids.get(kinds)
        if ids is None:
            ids = self._ids[kinds] = _read_only(np.flatnonzero(self.living(*kinds)))
        return ids

    def living(self, *kinds: Kind) -> np.ndarray:
        """Which organizations are living ones of the given kinds: a mask over the table (read-only; kept up to
        date by append and dissolve).

        A pass over the table masked by it costs less than gathering the
        rows of ``ids_of`` by id once they are most of the table (the cells
        of a national party are four fifths of its organizations).
        """
        mask = self._living.get(kinds)
        if mask is None:
            mask = self._living[kinds] = _read_only(self._scan(kinds, slice(0, self.n)))
        return mask

    def _scan(self, kinds: tuple[Kind, ...], rows: slice) -> np.ndarray:
        """Which of the organizations ``rows`` are living ones of ``kinds`` (a new mask)."""
        mask = is_kind(self.kind[rows], *kinds)
        mask &= self.alive[rows]
        return mask

    def direct_cells(self) -> np.ndarray:
        """Which organizations are living cells directly under a county/city committee: a mask over the table
        (read-only; cached until the hierarchy changes), for the monthly threshold check and the cells that
        report to the county/city committee."""

        def derive() -> np.ndarray:
            kind = self.column("kind")
            # ``take``: faster than indexing; the kinds as plain ints (an IntEnum member widens the codes to int64).
            direct = kind.take(np.maximum(self.column("parent"), 0)) == int(Kind.COUNTY)
            direct &= self.living(Kind.CELL)  # kept through the reparents that clear this mask
            return direct

        return self.of_hierarchy("direct cells", derive)

    def count(self, kind: Kind) -> int:
        return int(self.kind_counts[kind])

    def copy_rows(self, sources: np.ndarray, **columns) -> np.ndarray:
        """Append one new organization per source row, a copy of it except ``columns``."""
        copied = {name: getattr(self, name)[sources] for name in self.COLUMNS}
        copied.update(secretary=-1, deputy=-1, **columns)
        return self.append(len(sources), **copied)

    def basic_org(self, ids: np.ndarray) -> np.ndarray:
        """The basic party organization each unit or organization belongs to.

        That is the primary or sub-primary organization above it (through a
        branch), or the unit itself when it stands directly under a county/city
        committee (a direct cell, a party team). It is the scope of elections:
        a cell's officers and its organization's committee are chosen together.
        """
        top = np.array(ids, dtype=np.int64)
        for _ in range(2):  # cell -> branch -> primary at the deepest
            # ``take``, comparisons and an in-place mask: at national scale (half a million cells, elections
            # at every re-organization) twice as fast as fancy indexing, a lookup table and a masked gather.
            kind, parent = self.kind.take(top), self.parent.take(top)
            # The kinds as plain ints: NumPy widens the int8 codes to int64 to compare them with an IntEnum member.
            climb = self.kind.take(parent) != int(Kind.COUNTY)
            for top_kind in TOP_BASIC_ORGS:
                climb &= kind != int(top_kind)
            np.copyto(top, parent, where=climb)
        return top
