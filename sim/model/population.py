"""The member table: one numpy array per attribute, one row per person ever seen.

Members are never Python objects: every mechanism reads and writes whole
columns with boolean masks and fancy indexing (DESIGN.md, "the one rule").
Rows are never deleted; people who leave keep their row with a terminal
status so that ids stay stable for recommenders and the event log. Capacity
grows by doubling, never row by row.

Every status change goes through :meth:`Population.transition`, which keeps
the stock of each status, the per-organization counts of active members and
of those of them punished, the sum of their sincerity and the matrix of flows
between statuses. The recorder
reads stocks and flows from there, which is what makes the conservation
identity (stock at t = stock at t-1 + inflows - outflows) hold by
construction and checkable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from sim.model.arrays import store_index
from sim.model.ladder import LEVELS
from sim.model.table import ColumnTable


class Status(IntEnum):
    """Where a person stands. APPLICANT, CANDIDATE, FULL and DEMOTED are open states; the rest are terminal."""

    EMPTY = 0  # unused capacity
    APPLICANT = 1  # application filed, awaiting cell review and county decision
    CANDIDATE = 2  # candidate member on probation
    FULL = 3  # full party member
    REJECTED = 4  # application not endorsed by the cell or not approved by the county
    CANDIDATE_EXPELLED = 5  # candidate who did not qualify after the probation (source)
    EXPELLED = 6  # expelled by party discipline
    EXITED = 7  # died, retired or transferred out
    DEMOTED = 8  # full member demoted to candidate membership by discipline ("probation")


N_STATUS = len(Status)
ACTIVE_STATUSES = (Status.CANDIDATE, Status.FULL, Status.DEMOTED)
ACTIVE = np.zeros(N_STATUS, dtype=bool)
ACTIVE[list(ACTIVE_STATUSES)] = True
#: Whether each status code is active, as a list: read for a few members in Python (indexing a list beats
#: numpy's indexing of an array; discipline and critique read it too).
IS_ACTIVE = ACTIVE.tolist()
#: The active status codes as plain ints (summing their stocks from a list beats a masked numpy sum).
_ACTIVE_CODES = tuple(int(status) for status in ACTIVE_STATUSES)

#: The code of unused rows as a plain int (numpy indexes with it several times faster than with the member).
_EMPTY = int(Status.EMPTY)

#: Ladder codes 0 (none) .. len(LEVELS).
N_LEVEL_CODES = len(LEVELS) + 1

#: Above this many codes, :func:`code_counts` compares instead of calling ``np.bincount``.
COUNT_BY_COMPARISON_ABOVE = 10_000
#: Up to this many members, a step on them is done one by one in Python (cheaper than numpy calls on a
#: few ids): :meth:`Population.transition` and :meth:`Population.set_punishment` count them so. Their
#: sincerity is summed in order, as numpy sums so few: its pairwise sum adds fewer than 8 numbers in order,
#: 8 or more in eight interleaved partial sums (which a float sum in order would not reproduce bit for bit).
FEW_MEMBERS = 7

#: Cells binned at a time when the member table is recounted (:func:`_by_org`).
BIN_BLOCK = 1 << 21
#: Values summed at a time when the member table is recounted (:func:`_sum_where`): their copy stays in cache.
SUM_BLOCK = 1 << 16

#: Recommender code meaning "the Kim Il Sung Youth League committee's letter" (source).
YOUTH_LEAGUE_LETTER = -2
NO_RECOMMENDER = -1

#: Column name -> (dtype, fill value of new rows). Days are sim days (int32).
COLUMNS: dict[str, tuple[type, object]] = {
    "status": (np.int8, Status.EMPTY),
    "cell": (np.int32, -1),  # organization id of the member's cell or party team
    "joined": (np.int32, 0),  # day admitted to full membership (negative: before day 0)
    "candidate_since": (np.int32, 0),
    "applied": (np.int32, 0),
    "extended": (np.bool_, False),  # probation extended once
    "due": (np.int32, -1),  # day of the member's next pending procedure (review, decision)
    "procedure": (np.int8, 0),  # which procedure ``due`` is the day of (codes in sim.mechanisms.membership; 0: none)
    "recommender1": (np.int32, NO_RECOMMENDER),
    "recommender2": (np.int32, NO_RECOMMENDER),
    "youth_league": (np.bool_, False),  # a Kim Il Sung Youth League member when applying
    "birth": (np.int32, 0),  # day of birth (sim days, negative: before day 0)
    "female": (np.bool_, False),
    "sincerity": (np.float32, 0.8),
    "ties_group": (np.int32, 0),
    "wealth": (np.float32, 1.0),
    "role": (np.int8, 0),
    "achiever": (np.bool_, False),
    "punish_level": (np.int8, 0),
    "punish_cause": (np.int8, -1),
    "punish_day": (np.int32, 0),
    "punish_count": (np.int16, 0),  # punishments received so far (history)
    "lift_due": (np.int32, -1),  # day the standing punishment is due to be lifted
    "referral_due": (np.int32, -1),  # day of the meeting that decides a pending referral
    "referral_cause": (np.int8, -1),
    "proposed_level": (np.int8, 0),  # the level a cell decided, awaiting the county/city committee's ratification
    "amnestied": (np.bool_, False),
    "delegate": (np.int8, 0),
    "delegate_route": (np.int8, 0),
    # An active member's unit's key in the grouping of the units the table keeps (-1: not active, or none kept;
    # Population.key_active_members)
    "unit_key": (np.int8, -1),
}


def code_counts(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """How many of the int8 ``codes`` equal 0, 1, .., n_codes - 1 (codes outside that range are not counted).

    ``np.bincount`` first copies the codes to int64: on millions of statuses
    one ``count_nonzero`` per code is three times faster and needs no 50 MB
    temporary; on a few hundred codes bincount is ten times faster (measured
    with numpy 2.4). Its unsigned view leaves negative codes out of range.
    """
    if len(codes) <= COUNT_BY_COMPARISON_ABOVE:
        return np.bincount(codes.view(np.uint8), minlength=n_codes)[:n_codes]
    return np.array([np.count_nonzero(codes == code) for code in range(n_codes)], dtype=np.int64)


#: No cell (an empty array of cell ids).
_NO_CELLS = np.empty(0, dtype=np.int32)


def _punished(levels: np.ndarray) -> np.ndarray | int:
    """Whether each of ``levels`` is a punishment, 1 or 0 (level codes: 0 is none); one number when all or none
    are (most calls: the convicted held none, the lifted all held one), which spares the flags' arrays."""
    count = np.count_nonzero(levels)
    if count == 0 or count == len(levels):
        return int(count > 0)
    return (levels > 0).astype(np.int64)


def _joined(cells: list[np.ndarray]) -> np.ndarray:
    """The arrays of cell ids ``cells`` as one array (a day often has none or one: no copy then)."""
    return _NO_CELLS if not cells else cells[0] if len(cells) == 1 else np.concatenate(cells)


def _grown(counts: np.ndarray, size: int) -> np.ndarray:
    """``counts`` followed by zeros up to ``size`` entries."""
    grown = np.zeros(size, dtype=counts.dtype)
    grown[: len(counts)] = counts
    return grown


class Population(ColumnTable):
    """Struct-of-arrays member table with stocks, flows and per-organization sizes."""

    status: np.ndarray
    cell: np.ndarray
    joined: np.ndarray
    candidate_since: np.ndarray
    applied: np.ndarray
    extended: np.ndarray
    due: np.ndarray
    procedure: np.ndarray
    recommender1: np.ndarray
    recommender2: np.ndarray
    youth_league: np.ndarray
    birth: np.ndarray
    female: np.ndarray
    sincerity: np.ndarray
    ties_group: np.ndarray
    wealth: np.ndarray
    role: np.ndarray
    achiever: np.ndarray
    punish_level: np.ndarray
    punish_cause: np.ndarray
    punish_day: np.ndarray
    punish_count: np.ndarray
    lift_due: np.ndarray
    referral_due: np.ndarray
    referral_cause: np.ndarray
    proposed_level: np.ndarray
    amnestied: np.ndarray
    delegate: np.ndarray
    delegate_route: np.ndarray
    unit_key: np.ndarray

    COLUMNS = COLUMNS

    def __init__(self, capacity: int, n_orgs: int):
        super().__init__(capacity)
        #: Persons in each status now (the stocks).
        self.counts = np.zeros(N_STATUS, dtype=np.int64)
        #: flows[a, b]: transitions from status a to b since the recorder last read them.
        self.flows = np.zeros((N_STATUS, N_STATUS), dtype=np.int64)
        #: Active members (candidates + full) per organization id.
        self.org_size = np.zeros(max(n_orgs, 1), dtype=np.int64)
        #: Active members holding each punishment level now (index = ladder code; 0 unused).
        self.punished = np.zeros(N_LEVEL_CODES, dtype=np.int64)
        #: Active members holding a standing punishment, per organization id: a candidate's guidance
        #: reads its cell's share every day, which a lookup of the cell's members would cost far more.
        self.org_punished = np.zeros(len(self.org_size), dtype=np.int64)
        #: Standing punishments that ended because their holder left (since last read).
        self.punishments_removed = 0
        #: Sum of the sincerity of active members (critique findings scale with its mean).
        self.active_sincerity = 0.0
        #: The cells of the members who joined / left ``org_size`` since :meth:`take_size_changes` last
        #: read them (one entry per member), kept only once :meth:`log_size_changes` asked for them.
        self._size_changes: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        #: The keys by organization id of the grouping whose key every active member's ``unit_key`` holds
        #: (:meth:`key_active_members`), or None.
        self._unit_keys: Callable[[], np.ndarray] | None = None

    def ensure_orgs(self, n_orgs: int) -> None:
        """Make room in the per-organization counts for organization ids < n_orgs."""
        if n_orgs > len(self.org_size):
            size = max(n_orgs, 2 * len(self.org_size))
            self.org_size = _grown(self.org_size, size)
            self.org_punished = _grown(self.org_punished, size)

    def add(
        self, count: int, status: Status, cell: np.ndarray | int, **columns: np.ndarray | np.generic | float
    ) -> np.ndarray:
        """Append ``count`` people in ``status`` (counted as a flow from EMPTY); returns their ids.

        People who are not active members (a day's applicants) join no organization's counts: their status
        is written with their other columns and counted here, without the transition's calls.
        """
        code = int(status)
        columns["cell"] = cell  # (the keywords' own dict: no copy of the columns)
        if IS_ACTIVE[code]:
            ids = self.append_columns(count, columns)
            self.transition(ids, status, source=Status.EMPTY)
            return ids
        columns["status"] = code
        ids = self.append_columns(count, columns)
        self.counts[_EMPTY] -= count
        self.flows[_EMPTY, code] += count
        self.counts[code] += count
        return ids

    # -- the one place where status changes ---------------------------------
    def transition(self, ids: np.ndarray, to: Status, source: Status | None = None) -> None:
        """Move ``ids`` to status ``to``, keeping stocks, flows and org sizes exact.

        ``source``: the status every one of ``ids`` is in, when the caller knows it (a procedure takes
        up the ids still in its status; new rows are EMPTY): the statuses are then neither gathered nor
        counted, which is most of the cost of a call on the few ids of a day. A wrong ``source``
        breaks the stocks, which the table checks' recount catches.
        """
        if len(ids) == 0:
            return
        code = int(to)  # numpy takes a plain int several times faster than an IntEnum member
        if len(ids) == 1:
            self._transition_one(ids, code, source)
            return
        if len(ids) <= FEW_MEMBERS:
            self._transition_few(ids, code, source)
            return
        if source is None:
            old = self.status[ids]
            moved = code_counts(old, N_STATUS)
            self.counts -= moved
            self.flows[:, code] += moved
            was_active = ACTIVE.take(old)  # (take: indexing with int8 codes costs numpy more)
            n_active = int(np.count_nonzero(was_active))  # all or none in most calls: then no masked copy
        else:
            self.counts[int(source)] -= len(ids)
            self.flows[int(source), code] += len(ids)
            n_active = len(ids) if IS_ACTIVE[int(source)] else 0
        self.counts[code] += len(ids)
        if IS_ACTIVE[code]:
            if n_active < len(ids):
                joining = ids[~was_active] if n_active else ids
                self._add_to_sizes(joining, self.cell[joining], 1)
                self.active_sincerity += float(self.sincerity[joining].sum(dtype=np.float64))
        elif n_active:
            leaving = ids[was_active] if n_active < len(ids) else ids
            self._add_to_sizes(leaving, self.cell[leaving], -1)
            self.active_sincerity -= float(self.sincerity[leaving].sum(dtype=np.float64))
            held = self.punish_level[leaving]
            punished = held > 0
            n_punished = int(np.count_nonzero(punished))
            if n_punished:
                self.punished -= np.bincount(held[punished], minlength=N_LEVEL_CODES)
                self.punishments_removed += n_punished
                np.subtract.at(self.org_punished, self.cell[leaving[punished]], 1)
        self.status[ids] = code

    def _transition_few(self, ids: np.ndarray, code: int, source: Status | None) -> None:
        """:meth:`transition` of a few members (a small party's day), counted one by one in Python: on one to
        three ids a third of the cost of the array calls (binning, ``np.add.at``, a float64 sum)."""
        n = len(ids)
        joins = IS_ACTIVE[code]
        crossing: list[int] | np.ndarray  # the members who join or leave the active ones
        if source is None:
            old = self.status[ids].tolist()
            for before in set(old):
                moved = old.count(before)
                self.counts[before] -= moved
                self.flows[before, code] += moved
            crossing = [i for i, before in zip(ids.tolist(), old, strict=True) if IS_ACTIVE[before] != joins]
        else:
            self.counts[int(source)] -= n
            self.flows[int(source), code] += n
            crossing = ids if IS_ACTIVE[int(source)] != joins else []
        self.counts[code] += n
        if len(crossing):
            rows = ids if len(crossing) == n else np.array(crossing, dtype=np.int64)
            cells = self.cell[rows]
            self._add_to_sizes(rows, cells, 1 if joins else -1)
            sincerity = sum(self.sincerity[rows].tolist())
            if joins:
                self.active_sincerity += sincerity
            else:
                self.active_sincerity -= sincerity
                for level, cell in zip(self.punish_level[rows].tolist(), cells.tolist(), strict=True):
                    if level:
                        self.punished[level] -= 1
                        self.punishments_removed += 1
                        self.org_punished[cell] -= 1
        self.status[store_index(ids)] = code

    def _transition_one(self, ids: np.ndarray, code: int, source: Status | None) -> None:
        """:meth:`transition` of one member (most calls of a small party): :meth:`_transition_few`'s counts on
        the member's scalars, read by ``item`` at its row, without the lists, the set and the zips (a third
        less per call)."""
        member = ids.item(0)
        before = self.status.item(member) if source is None else int(source)
        self.counts[before] -= 1
        self.flows[before, code] += 1
        self.counts[code] += 1
        joins = IS_ACTIVE[code]
        if IS_ACTIVE[before] != joins:
            cell = self.cell[ids]  # an array: the size changes log it
            self._add_to_sizes(ids, cell, 1 if joins else -1)
            if joins:
                self.active_sincerity += self.sincerity.item(member)
            else:
                self.active_sincerity -= self.sincerity.item(member)
                level = self.punish_level.item(member)
                if level:
                    self.punished[level] -= 1
                    self.punishments_removed += 1
                    self.org_punished[cell.item(0)] -= 1
        self.status[member] = code

    def set_punishment(
        self,
        ids: np.ndarray,
        level: int | np.ndarray,
        held: np.ndarray | None = None,
        cells: np.ndarray | None = None,
    ) -> None:
        """Set the standing punishment level of active members (0 lifts it), keeping the stocks.

        Only active members hold a standing punishment: their status is not read. ``held`` and
        ``cells``: their levels now and their cells, when the caller has read them already (at
        national scale each read of a column at scattered rows costs a cache miss a row). A few
        members (a small party's day) are counted one by one in Python, a third of the cost of the
        binning and the scatter on arrays of one or two ids; one member (most calls) in scalars.
        """
        n = len(ids)
        if n == 1:  # one member (most calls of a small party): scalars, no array made
            self._punish_one(ids.item(0), level, held, cells)
            return
        if n == 0:
            return
        old = self.punish_level[ids] if held is None else held
        self.punish_level[ids] = level
        if cells is None:
            cells = self.cell[ids]
        if n <= FEW_MEMBERS:
            levels = level.tolist() if isinstance(level, np.ndarray) else [int(level)] * len(ids)
            # Level 0 (none) is not counted: most calls punish members who held none, or lift punishments.
            for before, after, cell in zip(old.tolist(), levels, cells.tolist(), strict=True):
                if before:
                    self.punished[before] -= 1
                if after:
                    self.punished[after] += 1
                if (after > 0) != (before > 0):
                    self.org_punished[cell] += 1 if after else -1
            return
        was = _punished(old)
        if not isinstance(was, int) or was:  # (none punished before, the usual case: only level 0 to count)
            self.punished -= np.bincount(old, minlength=N_LEVEL_CODES)
        if isinstance(level, np.ndarray):
            self.punished += np.bincount(level, minlength=N_LEVEL_CODES)
            now = _punished(level)
        else:  # one level for all (0 on lifting): no binning
            self.punished[int(level)] += len(ids)
            now = int(int(level) > 0)
        self.punished[0] = 0
        np.add.at(self.org_punished, cells, now - was)

    def _punish_one(
        self, member: int, level: int | np.ndarray, held: np.ndarray | None, cells: np.ndarray | None
    ) -> None:
        """:meth:`set_punishment` of one member, in Python scalars: the store at one row and the counts cost a
        third of the arrays' calls on one id (the member's level and cell read, ``tolist``, the zip)."""
        before = self.punish_level.item(member) if held is None else held.item(0)
        after = level.item(0) if isinstance(level, np.ndarray) else int(level)
        self.punish_level[member] = after
        if before:
            self.punished[before] -= 1
        if after:
            self.punished[after] += 1
        if (after > 0) != (before > 0):
            self.org_punished[self.cell.item(member) if cells is None else cells.item(0)] += 1 if after else -1

    def educate(self, ids: np.ndarray, effect: float, active: bool = False) -> None:
        """Ideological education: close the share ``effect`` of each member's gap to full sincerity.

        The one place sincerity changes after entry, so that the active members'
        sum stays exact. ``ids`` are distinct; ``active``: the caller knows them all
        to be active members (their statuses are then not read). A few members' changes (a small party's
        liftings) are summed in Python, as numpy sums so few: in order.
        """
        if len(ids) <= FEW_MEMBERS:
            # Member by member in float32 scalars (the same roundings as the array's, at half the cost of its
            # calls on one to three values), their changes summed as float64 in order.
            gain = np.float32(effect)
            counted = [True] * len(ids) if active else [IS_ACTIVE[code] for code in self.status[ids].tolist()]
            total = 0.0
            for row, count in zip(ids.tolist(), counted, strict=True):
                before = self.sincerity[row]
                after = before + gain * (1 - before)
                self.sincerity[row] = after
                if count:
                    total += float(after) - float(before)
            self.active_sincerity += total
            return
        before = self.sincerity[ids]
        after = before + np.float32(effect) * (1 - before)
        self.sincerity[ids] = after
        if not active:
            counted = ACTIVE.take(self.status[ids])
            before, after = before[counted], after[counted]
        self.active_sincerity += float((after.astype(np.float64) - before).sum())

    def mean_active_sincerity(self) -> float:
        """Mean sincerity of the active members (0 when there are none), without a pass over the table."""
        counts = self.counts.tolist()  # read every day: a list's few items beat a masked sum (0.4 against 0.9 us)
        active = sum(counts[code] for code in _ACTIVE_CODES)
        return self.active_sincerity / active if active else 0.0

    def move(self, ids: np.ndarray, new_cells: np.ndarray) -> None:
        """Re-attach members to other cells (re-organization, transfer)."""
        if len(ids) == 0:
            return
        active = ACTIVE.take(self.status[ids])
        punished = ids[active & (self.punish_level[ids] > 0)]
        members = ids[active]
        self._add_to_sizes(members, self.cell[members], -1)
        np.subtract.at(self.org_punished, self.cell[punished], 1)
        self.cell[ids] = new_cells
        self._add_to_sizes(members, self.cell[members], 1)
        np.add.at(self.org_punished, self.cell[punished], 1)

    def _add_to_sizes(self, ids: np.ndarray, cells: np.ndarray, step: int) -> None:
        """Count the members ``ids`` of ``cells`` into (``step`` +1) or out of (-1) the active members: add
        ``step`` to ``org_size`` once per entry of ``cells``, logging them if asked, and key them (their unit's
        key, or -1) if :meth:`key_active_members` asked; a few cells one by one (``np.add.at`` costs more on
        one or two)."""
        if len(cells) <= FEW_MEMBERS:
            for cell in cells.tolist():
                self.org_size[cell] += step
        else:
            np.add.at(self.org_size, cells, step)
        if self._size_changes is not None:
            self._size_changes[step < 0].append(cells)
        if self._unit_keys is None:
            return
        if len(ids) == 1:  # one member (a small party's usual call): a store at one row, not a scatter
            self.unit_key[ids.item(0)] = self._unit_keys()[cells.item(0)] if step > 0 else -1
        else:
            self.unit_key[ids] = self._unit_keys().take(cells) if step > 0 else -1

    def key_active_members(self, keys: Callable[[], np.ndarray]) -> None:
        """Keep ``unit_key`` from now on: each active member's cell's key in ``keys()``, -1 for the others.

        ``keys()`` gives the keys by organization id of a grouping of the units (the critique cohorts,
        ``sim.model.cohorts.Buckets.keys``), which changes only as organizations are added (before any
        member joins them) or dissolved (once their members have moved). Critique draws some 3,000 members
        a day at 1 million and asks whether each is an active member in a cohort in session: reading their
        key is one gather into a column of a byte a member, instead of their cells, then their cells'
        cohorts, then their statuses. Written wherever a member joins or leaves the active members or moves
        (:meth:`_add_to_sizes`), here for the members so far (one pass).
        """
        self._unit_keys = keys
        n = self.n
        self.unit_key[:n] = np.where(self.active_mask(), keys().take(self.cell[:n]), -1)

    def log_size_changes(self) -> None:
        """Keep the cells whose ``org_size`` changes from now on, for :meth:`take_size_changes`.

        For a mechanism that keeps sums of ``org_size`` over many cells (a cohort's members) up to date
        from the few cells that changed, instead of a gather over all of them each day; nothing is
        logged (nor paid) unless one asks.
        """
        self._size_changes = ([], [])

    def take_size_changes(self) -> tuple[np.ndarray, np.ndarray]:
        """The cells that gained and those that lost an active member since the previous call
        (or since :meth:`log_size_changes`), one entry per member."""
        if self._size_changes is None:
            raise RuntimeError("take_size_changes without log_size_changes")
        gained, lost = self._size_changes
        self._size_changes = ([], [])
        return _joined(gained), _joined(lost)

    def take_flows(self) -> np.ndarray:
        """Flows since the previous call (the recorder resets them at each row)."""
        flows = self.flows.copy()
        self.flows[:] = 0
        return flows

    # -- views -------------------------------------------------------------
    def ids_in(self, *statuses: Status) -> np.ndarray:
        """Ids of everyone in one of ``statuses`` (an O(N) scan: not for per-day use)."""
        return np.flatnonzero(self._in(statuses))

    def active_mask(self) -> np.ndarray:
        return self._in(ACTIVE_STATUSES)

    def _in(self, statuses: tuple[Status, ...]) -> np.ndarray:
        """Which rows hold one of ``statuses``: one comparison per status, on the whole table several times
        faster than ``np.isin`` or looking the int8 codes up in ``ACTIVE`` (numpy 2.4). Each compares with
        the plain int: numpy widens the int8 codes to int64 to compare them with an IntEnum member, ten
        times slower (7.4 million codes: 5 ms against 0.5 ms)."""
        status = self.status[: self.n]
        mask = np.zeros(self.n, dtype=bool)
        for code in statuses:
            mask |= status == int(code)
        return mask

    def recount(self) -> Recount:
        """The maintained aggregates recomputed from the columns, one pass over each column they need.

        The punished members are found once (a few percent of the rows) and binned from their own
        rows, not through a second pass over the active members.
        """
        counts = code_counts(self.status[: self.n], N_STATUS)
        active = self.active_mask()
        level = self.punish_level[: self.n]
        punished = active & (level != 0)
        cell = self.cell[: self.n]
        outside = len(self.org_size)
        return Recount(
            counts=counts,
            unknown=self.n - int(counts.sum()),
            active=active,
            org_members=_by_org(cell.compress(active), outside),  # compress: a quarter faster than a mask's index
            org_punished=_by_org(cell.compress(punished), outside),
            sincerity=_sum_where(self.sincerity[: self.n], active),
            punished=code_counts(level[punished], N_LEVEL_CODES),
        )

    def check_consistency(self, recount: Recount | None = None) -> None:
        """Compare the maintained aggregates with a recount (``recount``, else a fresh one); raise if they drifted."""
        recount = self.recount() if recount is None else recount
        counts = recount.counts.copy()
        counts[Status.EMPTY] = 0
        tracked = self.counts.copy()
        tracked[Status.EMPTY] = 0
        if recount.unknown:
            raise AssertionError(f"status stocks drifted: {recount.unknown} rows hold no status code")
        if not np.array_equal(counts, tracked):
            raise AssertionError(f"status stocks drifted: tracked {tracked.tolist()}, actual {counts.tolist()}")
        sizes = recount.org_members[: len(self.org_size)]
        if not np.array_equal(sizes, self.org_size):
            bad = np.flatnonzero(sizes != self.org_size)[:5]
            raise AssertionError(f"organization sizes drifted at orgs {bad.tolist()}")
        punished = recount.org_punished[: len(self.org_punished)]
        if not np.array_equal(punished, self.org_punished):
            bad = np.flatnonzero(punished != self.org_punished)[:5]
            raise AssertionError(f"punished members per organization drifted at orgs {bad.tolist()}")
        if not np.isclose(recount.sincerity, self.active_sincerity, rtol=1e-6, atol=1e-3):
            raise AssertionError(
                f"active sincerity sum drifted: tracked {self.active_sincerity:.6g}, actual {recount.sincerity:.6g}"
            )
        if not np.array_equal(recount.punished, self.punished):
            raise AssertionError(
                f"punishment stocks drifted: tracked {self.punished.tolist()}, actual {recount.punished.tolist()}"
            )


def _by_org(cells: np.ndarray, outside: int) -> np.ndarray:
    """Rows per organization id below ``outside``; the last bin counts the cells that are no such id.

    Binned a block of ``BIN_BLOCK`` cells at a time: ``np.bincount`` converts its input to 64-bit
    positions, and a block's conversion stays in cache (6.2 million cells: 29 ms at once, 18 ms in blocks).
    """
    if len(cells) and cells.view(np.uint32).max() >= outside:  # negative ids wrap past the end too
        cells = np.minimum(cells.view(np.uint32), outside)
    counts = np.bincount(cells[:BIN_BLOCK], minlength=outside + 1)
    for start in range(BIN_BLOCK, len(cells), BIN_BLOCK):
        counts += np.bincount(cells[start : start + BIN_BLOCK], minlength=outside + 1)
    return counts


def _sum_where(values: np.ndarray, where: np.ndarray) -> float:
    """The float64 sum of ``values`` where ``where`` holds, a block of ``SUM_BLOCK`` at a time.

    ``values.sum(where=...)`` is not vectorized, and a masked copy of the table's length costs its page
    faults: taken in blocks that stay in cache, 6.9 million float32 sum in 11 ms instead of 22-27 ms.
    """
    total = 0.0
    for start in range(0, len(values), SUM_BLOCK):
        block = values[start : start + SUM_BLOCK].compress(where[start : start + SUM_BLOCK])
        total += float(block.sum(dtype=np.float64))
    return total


@dataclass(frozen=True)
class Recount:
    """The member table's aggregates recomputed from its columns (:meth:`Population.recount`)."""

    #: Rows with each status code.
    counts: np.ndarray
    #: Rows whose code is no status.
    unknown: int
    #: Which rows are active members.
    active: np.ndarray
    #: Active members by organization id; the last bin counts those whose cell is no organization id.
    org_members: np.ndarray
    #: Active members holding a standing punishment, binned like ``org_members``.
    org_punished: np.ndarray
    #: Sum of the active members' sincerity.
    sincerity: float
    #: Active members holding each punishment level (index = ladder code; 0 unused).
    punished: np.ndarray
