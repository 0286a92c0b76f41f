"""Invariants checked during every run (on by default; ``--no-checks`` skips them).

A simulator is trusted when it cannot produce a plausible-looking wrong
answer. These checks are cheap and vectorized; a violation stops the run with
an :class:`InvariantError` naming the invariant, the date and the
organization or member concerned. Their cadence keeps them off the hot path:

* every time-series row (O(1)): no negative count; every stock equals the
  previous stock plus its inflows minus its outflows; cell meetings recorded
  equal the meetings the calendar prescribes for the cells that exist;
* every re-organization tick and at the end (one pass over the tables): every
  person in exactly one known status, every active member in exactly one
  living cell or party team, the maintained stocks equal a recount, no cell
  above ``cell_max`` and no cell below ``cell_min`` that had a neighbour to
  merge with (party teams excepted);
* at every delegate selection (O(selected)): nobody under a punishment the
  scenario's rule excludes is selected.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from sim.model.organizations import MEMBER_UNITS, Kind
from sim.model.population import N_STATUS, Status

#: stock column -> (inflow columns, outflow columns), the conservation identities of the time series.
IDENTITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "applicants": (("applications",), ("applications_rejected", "candidates_approved")),
    "members_candidate": (
        ("candidates_approved",),
        ("admitted", "candidates_expelled", "expelled_candidates", "exits_candidates"),
    ),
    "members_full": (("admitted", "restored"), ("expelled_full", "exits_full", "demoted")),
    "members_demoted": (("demoted",), ("restored", "expelled_demoted", "exits_demoted")),
    "punished_total": (
        ("issued_warning", "issued_severe_warning", "issued_removal_from_post", "issued_probation"),
        ("punishments_replaced", "punishments_lifted", "punishments_removed"),
    ),
}

#: Per identity: the stock, a getter of its inflows then outflows from a row (always a tuple: every identity
#: has at least two flows), and how many of them are inflows; one call gathers a stock's flows.
_IDENTITY_FLOWS = [
    (stock, itemgetter(*inflows, *outflows), len(inflows)) for stock, (inflows, outflows) in IDENTITIES.items()
]


#: Rows of the blocks the units' meeting days are counted in (:meth:`Invariants._cell_meetings_prescribed`).
COUNT_BLOCK = 1 << 16


def _lowest(values) -> float:
    """The least of a row's values (all counts), or -1 if some cannot be compared (then they are checked one by one)."""
    try:
        return min(values)
    except TypeError:
        return -1


class InvariantError(AssertionError):
    """The model broke one of its own invariants; the message says which, when and where."""


class Invariants:
    """The run's checks; mechanisms call the event-specific ones, the engine the periodic ones."""

    def __init__(self, world):
        self.world = world
        self._previous_row: dict | None = None
        self._orgs_signature = self._signature()
        #: Living cells and party teams by the day of month they meet, and the table signature it was counted at.
        #: (As Python ints, like the calendar's days of month: a row sums a week of them, where a numpy
        #: gather and sum cost several times as much.)
        self._units_per_meeting_day = [0] * 32
        self._units_counted_at: tuple[int, int] | None = None
        self._dom: list[int] = world.calendar.dom.tolist()

    def _fail(self, name: str, day: int, where: str) -> None:
        raise InvariantError(f"invariant '{name}' violated on {self.world.calendar.date(day)}: {where}")

    # -- every row ---------------------------------------------------------
    def _signature(self) -> tuple[int, int]:
        orgs = self.world.orgs
        return orgs.n, sum(orgs.kind_counts.tolist())  # eight counts: a Python sum, not a numpy reduction

    def _cell_meetings_prescribed(self, first: int, last: int, signature: tuple[int, int]) -> int:
        """Cell and party-team meetings the calendar prescribes on days first..last (from the org table).

        The units' meeting days are counted once per state of the organization
        table (its signature), not at every row: at national scale a count is
        a pass over half a million organizations.
        """
        orgs = self.world.orgs
        if signature != self._units_counted_at:
            # The meeting days picked by the units' mask (``compress``), not gathered by their ids: no list of
            # ids to derive when the hierarchy changed since it was last asked for. Counted a block of
            # ``COUNT_BLOCK`` rows at a time: ``np.bincount`` converts the int8 days to 64-bit positions, and a
            # block's conversion stays in cache (half a million organizations: 2.8 against 1.9 ms).
            units, days = orgs.living(*MEMBER_UNITS), orgs.column("meeting_day")
            per_day = np.zeros(32, dtype=np.int64)
            for start in range(0, orgs.n, COUNT_BLOCK):
                block = slice(start, start + COUNT_BLOCK)
                per_day += np.bincount(days[block].compress(units[block]), minlength=32)
            self._units_per_meeting_day = per_day.tolist()
            self._units_counted_at = signature
        return sum(map(self._units_per_meeting_day.__getitem__, self._dom[first : last + 1]))

    def check_row(self, row: dict, meetings_on: bool) -> None:
        day = row["day"]
        if _lowest(row.values()) < 0:  # one min over the row; the names are looked for only then
            negative = [name for name, value in row.items() if isinstance(value, (int, np.integer)) and value < 0]
            if negative:
                self._fail("no negative counts", day, f"columns {negative}")
        previous = self._previous_row
        if previous is not None:
            for stock, flows, n_inflows in _IDENTITY_FLOWS:
                values = flows(row)
                expected = previous[stock] + sum(values[:n_inflows]) - sum(values[n_inflows:])
                if row[stock] != expected:
                    self._fail(
                        "stock = previous + inflows - outflows", day, f"{stock} is {row[stock]}, flows give {expected}"
                    )
        signature = self._signature()
        # Comparable when no organization was added or dissolved since the previous row.
        if meetings_on and previous is not None and signature == self._orgs_signature:
            prescribed = self._cell_meetings_prescribed(previous["day"], day - 1, signature)
            if row["cell_meetings"] != prescribed:
                self._fail(
                    "recorded meetings match the calendar",
                    day,
                    f"{row['cell_meetings']} cell meetings recorded, the calendar prescribes {prescribed}",
                )
        self._orgs_signature = signature
        self._previous_row = row

    # -- after re-organization and at the end ---------------------------------
    def check_tables(self, day: int) -> None:
        """One recount of the member table serves every check; the offending member is looked up only on failure.

        Whether every active member is in a living cell or party team is read
        from the recount's members per organization (is any counted in an
        organization that is not one), so it costs a pass over the
        organizations rather than a lookup per member.
        """
        pop, orgs = self.world.pop, self.world.orgs
        recount = pop.recount()
        if recount.unknown or recount.counts[Status.EMPTY]:
            status = pop.status[: pop.n]
            member = np.flatnonzero((status <= Status.EMPTY) | (status >= N_STATUS))[0]
            self._fail(
                "every member in exactly one state",
                day,
                f"member {member} of organization {pop.cell[member]} has status code {status[member]}",
            )
        home = np.zeros(len(recount.org_members), dtype=bool)
        # The kind as a plain int: an IntEnum member widens the int8 codes to compare them.
        home[: orgs.n] = orgs.column("alive") & (orgs.column("kind") >= int(Kind.CELL))
        if recount.org_members[~home].any():
            cell = pop.cell[: pop.n]
            at_home = np.zeros(pop.n, dtype=bool)
            known = (cell >= 0) & (cell < orgs.n)
            at_home[known] = home[cell[known]]
            member = np.flatnonzero(recount.active & ~at_home)[0]
            self._fail(
                "every active member in exactly one organization",
                day,
                f"member {member} is in organization {pop.cell[member]}, not a living cell or party team",
            )
        try:
            pop.check_consistency(recount)
        except AssertionError as exc:
            self._fail("maintained stocks equal a recount", day, str(exc))

    def check_cell_bounds(self, day: int) -> None:
        """After re-organization: no cell too large, no small cell that could have merged."""
        orgs, pop, cfg = self.world.orgs, self.world.pop, self.world.scenario.organization
        cells = orgs.ids_of(Kind.CELL)
        size = pop.org_size[cells]
        large = cells[size > cfg.cell_max]
        if len(large):
            self._fail(
                "cells within bylaw bounds after re-organization",
                day,
                f"organization {large[0]} (cell) has {pop.org_size[large[0]]} members, above {cfg.cell_max}",
            )
        small = size < cfg.cell_min
        if not small.any():
            return
        # The smallest regular sibling under the same parent: could the small cell have joined it?
        parent = orgs.parent[cells]
        smallest = np.full(orgs.n, 1 << 40)  # "no regular sibling": never fits
        np.minimum.at(smallest, parent[~small], size[~small])
        fits = small & (smallest[parent] + size <= cfg.cell_max)
        # Small siblings that together reach cell_min would have merged into a cell.
        small_total = np.bincount(parent[small], weights=size[small], minlength=orgs.n)[parent]
        small_siblings = np.bincount(parent[small], minlength=orgs.n)[parent] > 1
        could_merge = fits | (small & small_siblings & (small_total >= cfg.cell_min))
        if could_merge.any():
            org = cells[np.flatnonzero(could_merge)[0]]
            self._fail(
                "cells within bylaw bounds after re-organization",
                day,
                f"organization {org} (cell) has {pop.org_size[org]} members, below {cfg.cell_min}, "
                f"and a neighbour under organization {orgs.parent[org]} to merge or attach with",
            )

    # -- at delegate selection ----------------------------------------------
    def check_delegates(self, day: int, chosen: np.ndarray) -> None:
        discipline = self.world.mechanisms["discipline"]
        barred = chosen[~discipline.eligible_for_delegate(chosen)]
        if len(barred):
            member = barred[0]
            self._fail(
                "punished members are not selected unless amnestied",
                day,
                f"member {member} of organization {self.world.pop.cell[member]} selected "
                f"under punishment level {self.world.pop.punish_level[member]}",
            )
