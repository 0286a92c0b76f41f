"""Re-organization: cells that shrink below 5 members merge or attach, cells above 30 split.

Source: "Basic Party Organizations" (NK Leadership Watch): "the party cell
consists of between five (5) and 30 party members and candidate party
members"; "if a residential unit has less than five party members or candidate
members then it may attach itself to a party cell of another residential unit,
or two residential units with few than five party members or candidate members
can form one party cell 'taking into account the nature of their activities and
geographical propinquity'"; a group abroad or relocated with fewer than five
forms a "party team", a temporary organization. The primary, branch and
sub-primary formula is in ``sim.model.structure``; offices in ``sim.model.elections``.

The rule as modelled, on every re-organization:

* Units below ``cell_min``: small cells under the same parent organization
  (geographical propinquity) are taken in order and grouped while their running
  member count stays under ``2 * cell_min``, so each group has at least
  ``cell_min + 1`` members and at most ``3 * cell_min - 2``; a group merges
  into its first unit. A parent's last group, if still too small, joins the
  group before it; if it is the parent's only group, its members attach to the
  parent's smallest cell with room (at most ``cell_max`` after). A unit with no
  such neighbour stays as it is until one appears (the next check).
* Cells above ``cell_max`` split into ``ceil(size / cell_max)`` cells of
  near-equal size (members drawn at random; applicants stay with the old
  cell); the new cells get a meeting day of their own.
* Party teams (``Kind.TEAM``, flagged ``abroad``) are exempt.
* Then the organizational formula is applied again (primary/branch/sub-primary
  organizations formed or dissolved, committee flags), and the basic
  organizations touched elect their offices again.

When: every ``reorganize_every`` (default quarterly) the whole routine runs:
cells, then the organizational formula (primary, branch and sub-primary
organizations formed or dissolved, executive committees), then small units
again (the cells of a dissolved organization join the county's direct cells
and may be a small unit's first neighbours), then vacant offices.
At every ``threshold_check_every`` (default monthly: the cell meeting and the
county/city committee that decide a re-organization meet monthly, and the
committee decides applications "within one month"), if membership changes
pushed a cell across a threshold (below 5, above 30, or a direct cell across
20 members and its cell committee), those cells are re-organized at once and
elect their cell offices; the organizations above wait for the regular tick. A check is O(number of cells); acting on it touches only the members of
the affected units, found through the member index of ``sim.model.elections``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model import ladder
from sim.model.arrays import count_nonzero, distinct, rank_within
from sim.model.elections import Elections
from sim.model.organizations import BASIC_ORGS, MEETING_DAYS, MEMBER_UNITS, Kind
from sim.model.population import ACTIVE
from sim.model.structure import classify, set_cell_committees
from sim.model.world import World
from sim.scenario.spans import Span

KIND_NAMES = np.array([kind.name.lower() for kind in Kind], dtype=object)


class Reorganization(Mechanism):
    name = "reorganization"
    FLOWS = (
        "reorganizations",
        "cells_split",
        "cells_merged",
        "units_attached",
        "members_reassigned",
        "orgs_formed",
        "orgs_dissolved",
        "offices_changed",
    )

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.organization
        #: Offices are filled when the run is set up, whether or not re-organization runs later.
        self.elections = Elections(
            world.pop,
            world.orgs,
            world.members,
            self.cfg,
            ladder.allowed_code(world.scenario.discipline.roles_allowed_up_to),
        )
        self.elections.fill(world.orgs.ids_of(*MEMBER_UNITS), day=0)
        #: The committee and executive counts of ``stocks``, until the next re-organization.
        self._committees: dict[str, int] | None = None

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.reorganize:
            return ()
        cal = self.world.calendar
        regular = cal.span_ticks(Span.parse(self.cfg.reorganize_every), first=1)
        # The ticks are sorted and distinct: assume_unique spares np.unique (its sort, and its import of numpy.ma).
        checks = np.setdiff1d(
            cal.span_ticks(Span.parse(self.cfg.threshold_check_every), first=1), regular, assume_unique=True
        )
        return ((regular, self.reorganize), (checks, self.check_thresholds))

    def stocks(self) -> dict[str, int]:
        """Counts over the living cells (read at every recorded row).

        Committee and executive flags change only when this mechanism
        re-organizes, so their counts are kept from one re-organization to the
        next (``_committees``); the cells below the minimum change with
        membership every day: a pass over the sizes masked by the living cells
        (a mask kept per state of the hierarchy) costs less than gathering the
        cells' rows by id.
        """
        orgs = self.world.orgs
        if self._committees is None:
            self._committees = {
                "cell_committees": int(np.count_nonzero(orgs.column("committee") & orgs.living(Kind.CELL))),
                "executive_committees": int(np.count_nonzero(orgs.column("executive"))),
            }
        below = self.world.pop.org_size[: orgs.n] < self.cfg.cell_min
        below &= orgs.living(Kind.CELL)
        return {**self._committees, "units_below_minimum": int(count_nonzero(below))}

    def _out_of_bounds(self) -> np.ndarray:
        """Which organizations are living cells below ``cell_min`` or above ``cell_max``: a mask over the
        table (a pass over the sizes costs half as much as gathering the cells' rows by id)."""
        orgs = self.world.orgs
        size = self.world.pop.org_size[: orgs.n]
        out = size < self.cfg.cell_min
        out |= size > self.cfg.cell_max
        out &= orgs.living(Kind.CELL)
        return out

    # -- the two cadences ------------------------------------------------------
    def check_thresholds(self, day: int) -> None:
        """Re-organize the cells that membership changes pushed across a threshold (O(cells) if none).

        A pass over the table's sizes and committee flags masked by the living
        cells and the direct cells (masks kept per state of the hierarchy)
        costs half as much as gathering the cells' rows by id.
        """
        orgs, cfg = self.world.orgs, self.cfg
        crossed = self._out_of_bounds()
        # A direct cell's committee flag to set or clear: its size and its flag disagree.
        disagree = self.world.pop.org_size[: orgs.n] > cfg.cell_committee_above
        disagree ^= orgs.column("committee")
        disagree &= orgs.direct_cells()
        crossed |= disagree
        if crossed.any():
            self._restructure(day, orgs.ids_of(Kind.CELL), regular=False, changed=np.flatnonzero(crossed))

    def reorganize(self, day: int) -> None:
        """The regular re-organization: cells, the organizational formula, vacant offices.

        The cell-bounds invariant is checked right after it: later the same day
        members may leave a cell that re-organization left at its minimum.
        """
        self._restructure(day, self.world.orgs.ids_of(Kind.CELL), regular=True)
        if self.world.invariants is not None:
            self.world.invariants.check_cell_bounds(day)

    def _restructure(self, day: int, cells: np.ndarray, regular: bool, changed: np.ndarray | None = None) -> None:
        """Split, merge and attach the living ``cells`` out of bounds, then apply the formula and elect.

        The cells out of bounds are found by a pass over the table's sizes
        (:meth:`_out_of_bounds`: not by gathering half a million cells' rows),
        or are among ``changed``: the cells whose size crossed a threshold
        (threshold checks); only these and the cells re-organized here can need
        a new committee flag.
        """
        world, orgs, pop = self.world, self.world.orgs, self.world.pop
        self._committees = None
        n_before = orgs.n
        out_of_bounds = np.flatnonzero(self._out_of_bounds()) if changed is None else changed
        touched_by_step = [self._split_large_cells(day, out_of_bounds)]  # first, so that small units find room
        if orgs.n > n_before:  # splitting only appends cells
            cells = np.concatenate([cells, np.arange(n_before, orgs.n)])
        # The parts of a split cell are not below the minimum (each has about half cell_max members or more, and
        # cell_max >= 4 cell_min - 3): the small units are among those out of bounds before the split.
        touched_by_step.append(self._merge_small_units(day, cells, small_among=out_of_bounds))
        flagged = cells if changed is None else np.concatenate([changed, *touched_by_step])
        flagged = flagged[orgs.alive[flagged]]
        touched_by_step.append(set_cell_committees(orgs, flagged, pop.org_size, self.cfg))
        touched = np.concatenate(touched_by_step).astype(np.int64)
        if regular:
            formed = self._apply_formula(day)
            # A dissolved organization leaves its cells under the county: small units there may now have neighbours.
            touched = np.concatenate([touched, self._merge_small_units(day, orgs.ids_of(Kind.CELL))])
            vacant_cells, vacant_orgs = self.elections.vacancies()
            self.world.members.refresh()
            offices = self.elections.fill(
                np.concatenate([formed, vacant_orgs]), day, cells=np.concatenate([touched, vacant_cells])
            )
        elif len(touched):
            offices = self.elections.elect_cells(touched, day)
        else:
            return
        world.tally.add("reorganizations")
        world.tally.add("offices_changed", offices)

    def _apply_formula(self, day: int) -> np.ndarray:
        """Form and dissolve primary, branch and sub-primary organizations (``sim.model.structure``)."""
        world, orgs, pop = self.world, self.world.orgs, self.world.pop
        basic_before = int(orgs.kind_counts[list(BASIC_ORGS)].sum())
        n_before = orgs.n
        touched = classify(orgs, pop.org_size, self.cfg, self.rng)
        pop.ensure_orgs(orgs.n)
        formed = orgs.n - n_before
        dissolved = basic_before + formed - int(orgs.kind_counts[list(BASIC_ORGS)].sum())
        world.tally.add("orgs_formed", formed)
        world.tally.add("orgs_dissolved", dissolved)
        if formed:  # most quarters form none (an empty log writes nothing)
            world.events.log(
                day, "org_formed", orgs=np.arange(n_before, orgs.n), level=KIND_NAMES[orgs.kind[n_before : orgs.n]]
            )
        return touched

    # -- units below the minimum -------------------------------------------------
    def _merge_small_units(self, day: int, cells: np.ndarray, small_among: np.ndarray | None = None) -> np.ndarray:
        """Merge or attach the cells below ``cell_min`` (those of ``small_among``, by default of ``cells``) into
        ``cells`` (see the module docstring); returns the receiving cells."""
        world, orgs, pop, cfg = self.world, self.world.orgs, self.world.pop, self.cfg
        small = cells if small_among is None else small_among
        small = small[pop.org_size[small] < cfg.cell_min]
        if len(small) == 0:
            return small
        small = small[np.argsort(orgs.parent[small], kind="stable")]
        parent, members = orgs.parent[small].astype(np.int64), pop.org_size[small]
        new_parent = np.r_[True, parent[1:] != parent[:-1]]
        running = np.cumsum(members) - members
        running -= np.maximum.accumulate(np.where(new_parent, running, 0))
        slot = running // (2 * cfg.cell_min)
        group = np.cumsum(new_parent | np.r_[True, slot[1:] != slot[:-1]]) - 1
        group_members = np.bincount(group, weights=members).astype(np.int64)
        first_group = np.zeros(len(group_members), dtype=bool)
        first_group[group[new_parent]] = True
        last_group = np.zeros(len(group_members), dtype=bool)
        last_group[group[np.r_[new_parent[1:], True]]] = True
        short = last_group & (group_members < cfg.cell_min)
        # A parent's short last group joins the group before it, or attaches if it is the only one.
        group = np.where(short[group] & ~first_group[group], group - 1, group)
        first_of_group = np.r_[True, group[1:] != group[:-1]]
        receiver = small[first_of_group][np.cumsum(first_of_group) - 1]
        attach = (short & first_group)[group]
        receiver[attach] = self._roomiest_neighbours(parent[attach], group_members[group[attach]])
        moving = (receiver != small) & (receiver >= 0)
        sources, receivers = small[moving], receiver[moving]
        self._move_units(day, sources, receivers)
        attached = attach[moving]
        world.tally.add("cells_merged", int((~attached).sum()))
        world.tally.add("units_attached", int(attached.sum()))
        world.events.log(day, "cells_merged", orgs=sources[~attached], value=receivers[~attached])
        world.events.log(day, "unit_attached", orgs=sources[attached], value=receivers[attached])
        return distinct(receivers)

    def _roomiest_neighbours(self, parents: np.ndarray, need: np.ndarray) -> np.ndarray:
        """For each (parent, members to take in): the parent's smallest regular cell if it has room, else -1."""
        orgs, pop, cfg = self.world.orgs, self.world.pop, self.cfg
        asked = np.zeros(orgs.n, dtype=bool)
        asked[parents] = True
        # The living cells under the parents asked: a pass over the table's parents looked up in the byte table
        # ``asked``, masked by the living cells (a mask kept per state of the hierarchy), costs two thirds of
        # gathering the half a million cells' parents by id (national: 1.6 against 2.4 ms). The top
        # organization's parent (-1) reads the last flag: it is no cell either way.
        under = asked.take(orgs.column("parent"))
        under &= orgs.living(Kind.CELL)
        cells = np.flatnonzero(under)
        size = pop.org_size[cells]
        regular = (size >= cfg.cell_min) & (size <= cfg.cell_max)
        cells, size = cells[regular], size[regular]
        order, rank = rank_within(orgs.parent[cells].astype(np.int64), -size.astype(np.float64))
        # Each parent's smallest regular cell, by parent in increasing order: found for ``parents`` by a
        # binary search (not through an array over the whole table).
        smallest = cells[order[rank == 0]]
        having = orgs.parent[smallest]
        if len(having) == 0:
            return np.full(len(parents), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(having, parents), len(having) - 1)
        neighbour = np.where(having[at] == parents, smallest[at], -1)
        room = cfg.cell_max - pop.org_size[np.maximum(neighbour, 0)]
        return np.where((neighbour >= 0) & (room >= need), neighbour, -1)

    def _move_units(self, day: int, sources: np.ndarray, receivers: np.ndarray) -> None:
        """Move everyone attached to ``sources`` (applicants too) into ``receivers``; dissolve the sources.

        Applications not yet reviewed go to the receiving cell (``Membership.moved``).
        """
        world, orgs, pop = self.world, self.world.orgs, self.world.pop
        if len(sources) == 0:
            return
        members = self.world.members.members_of(sources)
        order = np.argsort(sources)
        receiver_of = receivers[order][np.searchsorted(sources[order], pop.cell[members])]
        world.move(members, receiver_of, day)
        orgs.dissolve(sources)
        world.tally.add("members_reassigned", int(ACTIVE[pop.status[members]].sum()))

    # -- cells above the maximum -------------------------------------------------
    def _split_large_cells(self, day: int, cells: np.ndarray) -> np.ndarray:
        """Split cells above ``cell_max`` into near-equal cells; returns the old and the new cells."""
        world, orgs, pop, cfg = self.world, self.world.orgs, self.world.pop, self.cfg
        large = cells[pop.org_size[cells] > cfg.cell_max]
        if len(large) == 0:
            return large
        parts = -(-pop.org_size[large] // cfg.cell_max)
        new = orgs.copy_rows(
            np.repeat(large, parts - 1),
            committee=False,
            meeting_day=self.rng.integers(1, MEETING_DAYS + 1, int((parts - 1).sum())),
        )
        pop.ensure_orgs(orgs.n)
        members = self.world.members.members_of(large, ACTIVE)
        order, rank = rank_within(pop.cell[members].astype(np.int64), self.rng.random(len(members)))
        members = members[order]
        which = np.searchsorted(large, pop.cell[members])
        part = rank * parts[which] // pop.org_size[large][which]
        movers = part > 0
        first_new = np.cumsum(parts - 1) - (parts - 1) + new[0]
        members, target = members[movers], first_new[which[movers]] + part[movers] - 1
        pop.move(members, target)
        self.world.members.moved(members)
        world.tally.add("cells_split", len(large))
        world.tally.add("members_reassigned", len(members))
        world.events.log(day, "cell_split", orgs=new, value=np.repeat(large, parts - 1))
        return np.concatenate([large, new])
