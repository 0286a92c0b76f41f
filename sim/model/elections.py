"""Offices in the party organizations: who is secretary, deputy, committee member, cadre.

Source: "Basic Party Organizations" (NK Leadership Watch): "party cell
meetings ... are led by a party cell secretary and a deputy (vice) secretary.
If a party cell under a city (municipal) or county party committee has more
than 20 members, then the party cell elects a Party Cell Committee and this
committee elects a secretary and deputy secretary"; the general meeting of a
primary, branch or sub-primary organization "elects a party committee. The
... committees then elect a secretary and deputy secretary"; larger primary
and sub-primary committees "can also elect a separate executive committee".
The pre-Congress text names the "core cadres of unit party committees".

How elections are modelled:

* Only full members hold offices. Candidates are ranked by an election score,
  party standing (days since admission) plus ``election_sincerity_years`` x
  sincerity, less ``election_female_years`` for a woman: seniority with a
  personal component, and the sex shares of office an input (no source gives
  the share of women in party office; an assumption, 0 by default). The score does not change
  between elections, so electing a unit again keeps its officers unless its
  membership changed: re-electing is how vacancies are filled.
* A member holds one office, the highest (``sim.model.roles``). Elections go
  bottom-up inside a basic organization (a primary or sub-primary
  organization with its branches and cells, or a cell or party team directly
  under a county/city committee): each cell first elects its secretary, deputy
  and, with a cell committee, the rest of the committee; the primary or
  sub-primary committee is then drawn from the members holding no cell office
  (secretary and deputy first, then executive members if it has an executive
  committee, then ordinary committee members); branch committees last, from
  the members still without an office. So every cell with two full members has
  exactly one secretary and one deputy.
* Each county/city committee has ``county_cadres`` core cadres (``COUNTY_CADRE``),
  promoted from the secretaries of its basic organizations (primary and
  sub-primary organizations, direct cells) by the same score. A promoted
  secretary leaves the office below, and that organization elects again.
* Members who leave, or stop being full members, lose their office at the next
  re-organization tick, when a replacement is elected: a vacant cell office by
  the cell alone (from its members holding no office of the organization
  above, whose committee stays as it is), a vacant office of a primary, branch
  or sub-primary organization by the whole basic organization. Cells that a
  re-organization split, merged or attached elect their cell offices the same
  way.

Members of a set of units are found through the run's
:class:`~sim.model.member_index.MemberIndex`, so that electing a few units costs work
proportional to their members, not to the party's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.arrays import KEY_BLOCK, distinct, row_range, top_within
from sim.model.member_index import MemberIndex
from sim.model.organizations import (
    BASIC_ORGS,
    IS_TOP_BASIC_ORG,
    MEMBER_UNITS,
    Kind,
    Organizations,
    of_kind,
)
from sim.model.population import Population, Status
from sim.model.roles import Role
from sim.scenario.sections import OrganizationSection

DAYS_PER_YEAR = 365.25


def _ballot(*seats: tuple[Role, int]) -> list[Role]:
    return [role for role, count in seats for _ in range(count)]


@dataclass(frozen=True)
class Ballots:
    """Offices by rank for a body without (row 0) and with (row 1) a committee of its own, padded with NONE
    (the last column is always NONE: a rank beyond the seats), and each row's number of seats."""

    offices: np.ndarray
    seats: np.ndarray

    @classmethod
    def of(cls, without: list[Role], with_committee: list[Role]) -> Ballots:
        rows = [without, with_committee]
        width = max(len(row) for row in rows) + 1
        offices = np.array([row + [Role.NONE] * (width - len(row)) for row in rows], dtype=np.int8)
        return cls(offices, np.array([len(row) for row in rows], dtype=np.int8))

    def seats_of(self, rows: np.ndarray) -> np.ndarray:
        """The seats of bodies by their ballot rows (int8 0 or 1): arithmetic on the bytes, twenty times
        faster than ``seats.take(rows)``, which turns them into 64-bit positions first (25 against 660 us
        on the half a million organizations of a national party)."""
        seats = rows * (self.seats[1] - self.seats[0])
        seats += self.seats[0]
        return seats


class Elections:
    """Fills the offices of basic organizations and county/city committees (see the module docstring)."""

    def __init__(
        self, pop: Population, orgs: Organizations, index: MemberIndex, cfg: OrganizationSection, roles_allowed: int
    ):
        self.pop, self.orgs, self.index, self.cfg = pop, orgs, index, cfg
        #: Heaviest punishment (ladder code) under which a member may be elected (discipline.roles_allowed_up_to).
        self.roles_allowed = roles_allowed
        #: The office each member was last elected or promoted to (by id): a holder whose role differs
        #: now was removed (discipline) or left, and the seat is vacant.
        self.elected = np.zeros(0, dtype=np.int8)
        #: Members promoted to a county cadre seat (by id): only ``promote_cadres`` makes cadres, so
        #: the seats' holders are found among them, not by a pass over every member's role.
        self.cadres = np.empty(0, dtype=np.int64)
        self.weight_days = cfg.election_sincerity_years * DAYS_PER_YEAR
        self.female_days = cfg.election_female_years * DAYS_PER_YEAR
        cell_seats = _ballot((Role.CELL_SECRETARY, 1), (Role.CELL_DEPUTY, 1))
        cell_committee = _ballot((Role.CELL_COMMITTEE, cfg.cell_committee_size - 2))
        org_seats = _ballot((Role.ORG_SECRETARY, 1), (Role.ORG_DEPUTY, 1))
        org_committee = _ballot((Role.ORG_COMMITTEE, cfg.org_committee_size - 2))
        executive = _ballot(
            (Role.EXECUTIVE, cfg.executive_committee_size - 2),
            (Role.ORG_COMMITTEE, cfg.org_committee_size - cfg.executive_committee_size),
        )
        #: Offices by rank: row 0 without, row 1 with a (cell / executive) committee.
        self.cell_ballots = Ballots.of(cell_seats, cell_seats + cell_committee)
        self.org_ballots = Ballots.of(org_seats + org_committee, org_seats + executive)

    def score(self, ids: np.ndarray | slice, day: int) -> np.ndarray:
        """Election score: standing in days plus the sincerity bonus, less the women's handicap (higher is elected first)."""
        pop = self.pop

        def read(column: np.ndarray) -> np.ndarray:
            # Ids gathered by ``take``: faster than fancy indexing (48,000 ids: 36 against 61 us a float column).
            return column[ids] if isinstance(ids, slice) else column.take(ids)

        # In double precision from the single-precision sincerities, in place (at national scale every
        # temporary is millions of rows): the same values as the plain expression.
        score = read(pop.sincerity).astype(np.float64)
        score *= self.weight_days
        score += day
        score -= read(pop.joined)
        if self.female_days:
            # Less the handicap times 0 or 1: subtracting 0.0 leaves a score as it is, and a masked
            # ``np.subtract(..., where=)`` is twice as slow (25 against 14 ms on 5.6 million scores). The
            # products go through one block-sized buffer: a temporary of every row is fresh memory, whose
            # page faults cost more than the arithmetic (1 M members on day 0: 20 against 3 ms).
            female = read(pop.female)
            handicap = np.empty(min(len(score), KEY_BLOCK))
            for start in range(0, len(score), KEY_BLOCK):
                rows = slice(start, start + KEY_BLOCK)
                part = handicap[: len(score[rows])]
                np.multiply(female[rows], self.female_days, out=part)
                score[rows] -= part
        return score

    # -- the election of a set of basic organizations --------------------------
    def elect(self, units_or_orgs: np.ndarray, day: int) -> int:
        """Elect every office of the basic organizations containing ``units_or_orgs``.

        Returns how many members' offices changed (elected, moved up or down, or out).
        """
        orgs, pop = self.orgs, self.pop
        units_or_orgs = units_or_orgs[orgs.alive[units_or_orgs]]
        if len(units_or_orgs) == 0:
            return 0
        in_scope = np.zeros(orgs.n, dtype=bool)
        in_scope[orgs.basic_org(units_or_orgs)] = True
        # A party without branches (a county's party) skips their steps: about 15 NumPy calls on empty arrays.
        branches = orgs.ids_of(Kind.BRANCH)
        if len(branches):
            in_scope[branches[in_scope.take(orgs.parent.take(branches))]] = True
        # The units in scope or under an organization in scope: a pass over the table's parents looked up in the
        # byte table ``in_scope``, masked by the living units (a mask kept per state of the hierarchy), cheaper
        # than gathering the half a million units' flags and parents by id. The top organization's parent
        # (-1) reads the last flag: it is no unit either way.
        in_unit = in_scope.take(orgs.column("parent"))
        in_unit |= in_scope
        in_unit &= orgs.living(*MEMBER_UNITS)
        units = np.flatnonzero(in_unit)
        np.putmask(orgs.secretary[: orgs.n], in_scope, -1)
        np.putmask(orgs.deputy[: orgs.n], in_scope, -1)
        members = self.index.members_of(units)
        # Every member in row order on day 0 (the index holds them so): their columns read as views.
        rows = row_range(members)
        before = pop.role[rows].copy() if isinstance(rows, slice) else pop.role.take(rows)
        standing = rows
        # Codes compared as plain ints: with an IntEnum member NumPy widens an int8 column to int64 first
        # (seven times slower: 3.5 against 0.5 ms on 6.7 million rows).
        cadre = np.flatnonzero(before == int(Role.COUNTY_CADRE))
        if len(cadre):  # county cadres keep their seats (a few rows; on day 0 there are none: no copy of the members)
            standing = np.delete(members, cadre[pop.status[members[cadre]] == int(Status.FULL)])
        pop.role[standing] = Role.NONE
        eligible, score, cell, seated = self._seat_cells(standing, day)
        # The eligible still without an office: known from the seats given, not read back from the roles.
        free = np.ones(len(eligible), dtype=bool)
        free[seated] = False
        # Each unit's basic organization and which committees it has above the cells (bit 0: a primary or
        # sub-primary organization's, bit 1: a branch's), looked up by cell once for both pools: a climb per
        # unit, not per member.
        basic_of = np.empty(orgs.n, dtype=np.int32)
        basic_of[units] = orgs.basic_org(units)
        committees = np.zeros(orgs.n, dtype=np.uint8)
        committees[units] = IS_TOP_BASIC_ORG[orgs.kind[basic_of[units]]]
        if len(branches):
            committees[units] |= np.left_shift(orgs.kind[orgs.parent[units]] == int(Kind.BRANCH), 1, dtype=np.uint8)
        above = committees.take(cell)
        pool = (free & (above & 1).view(bool)).nonzero()[0]
        top = basic_of.take(cell.take(pool))
        seated = self._seat(eligible.take(pool), top, score.take(pool), self.org_ballots, orgs.executive.view(np.int8))
        if len(branches):
            free[pool.take(seated)] = False
            above >>= 1
            pool = (free & above.view(bool)).nonzero()[0]
            branch = orgs.parent.take(cell.take(pool))
            self._seat(eligible.take(pool), branch, score.take(pool), self.org_ballots, 0)  # no executive
        after = pop.role[rows]
        self._elected()[rows] = after
        return int(np.count_nonzero(after != before))

    def elect_cells(self, units: np.ndarray, day: int) -> int:
        """Elect only the cell offices of ``units`` (cells, party teams), from their members who hold
        no office of the organization above; their organization's committee keeps its members.

        This is how a vacancy in a cell is filled, and how split, merged and
        attached cells get their officers: work in proportion to the cells'
        members, not to their primary organization's. Returns how many members'
        offices changed.
        """
        orgs, pop = self.orgs, self.pop
        units = distinct(units[orgs.alive[units] & of_kind(*MEMBER_UNITS)[orgs.kind[units]]])
        if len(units) == 0:
            return 0
        orgs.secretary[units] = -1
        orgs.deputy[units] = -1
        members = self.index.members_of(units)
        before = pop.role[members]  # a copy: fancy indexing
        # A member removed from an organization's office stays out: the organization elects that seat.
        standing = (before <= int(Role.CELL_SECRETARY)) & (self._elected()[members] <= int(Role.CELL_SECRETARY))
        candidates = members[standing]
        pop.role[candidates] = Role.NONE
        self._seat_cells(candidates, day)
        after = pop.role[candidates]  # the others' offices did not change
        self._elected()[candidates] = after
        return int(np.count_nonzero(after != before[standing]))

    def _elected(self) -> np.ndarray:
        """``elected``, grown with the member table."""
        missing = len(self.pop.role) - len(self.elected)
        if missing > 0:
            self.elected = np.concatenate([self.elected, np.zeros(missing, dtype=np.int8)])
        return self.elected

    def _seat_cells(
        self, members: np.ndarray | slice, day: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Seat the cell offices among ``members`` (ids, or a slice of rows; no office yet); returns the
        eligible, their scores and cells, and the rows of the eligible seated."""
        pop, orgs = self.pop, self.orgs
        full = pop.status[members] == int(Status.FULL)  # a plain int: see ``elect``
        full &= pop.punish_level[members] <= self.roles_allowed
        if isinstance(members, slice):
            # Scores and cells of the rows read through views and then masked: the same values as gathered by
            # id, without gathering millions of rows from three columns (day 0: 107 against 171 ms).
            score, cell = self.score(members, day)[full], pop.cell[members][full]
            eligible = np.flatnonzero(full)
            eligible += members.start
        else:
            eligible = members[full]
            score, cell = self.score(eligible, day), pop.cell[eligible]
        seated = self._seat(eligible, cell, score, self.cell_ballots, orgs.committee.view(np.int8))
        return eligible, score, cell, seated

    def _seat(
        self, ids: np.ndarray, group: np.ndarray, score: np.ndarray, ballots: Ballots, ballot_of: np.ndarray | int
    ) -> np.ndarray:
        """Give the r-th best member of each group g the office ``ballots.offices[ballot_of[g], r]``
        (``ballots.offices[ballot_of, r]`` for one ballot row for all); record secretaries and deputies; returns
        the rows of ``ids`` seated.

        ``ids`` hold no office yet, so only those ranked within the seats change.
        """
        if len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        # Each group ranks only as many members as its ballot has seats: ranks beyond would draw no office.
        if not isinstance(ballot_of, np.ndarray):
            limit = ballots.seats[ballot_of]
        elif 4 * len(group) < self.orgs.n:
            # Set for the groups present only (a zeroed table costs nothing until written): electing a few
            # cells costs no pass over the half a million organizations of a national party.
            limit = np.zeros(self.orgs.n, dtype=np.int8)
            limit[group] = ballots.seats_of(ballot_of.take(group))
        else:
            # One byte per organization: a pass over them costs less than the scatter of a quarter as many
            # candidates (national: 0.03 ms for the organizations, 1.3 for 380,000 candidates).
            limit = ballots.seats_of(ballot_of[: self.orgs.n])
        pick, rank = top_within(group, score, limit)
        seated, group = ids.take(pick), group.take(pick)
        row = ballot_of[group] if isinstance(ballot_of, np.ndarray) else ballot_of
        # Each seat's office read from the flat table by position: ``take`` is two and a half times faster
        # than indexing the table by (row, rank) pairs (150,000 seats: 0.2 against 0.5 ms).
        width = np.int64(ballots.offices.shape[1])
        self.pop.role[seated] = ballots.offices.ravel().take(rank + row * width)
        secretary, deputy = rank == 0, rank == 1
        self.orgs.secretary[group[secretary]] = seated[secretary]
        self.orgs.deputy[group[deputy]] = seated[deputy]
        return pick

    # -- vacancies and county/city cadres ----------------------------------------
    def vacancies(self) -> tuple[np.ndarray, np.ndarray]:
        """Strip offices from members who left or stopped being full members; returns the units whose
        cell offices must be elected again and the basic organizations that must elect again.

        A cell office vacated (its holder gone, or the seat empty, or its holder
        no longer holding it: discipline removes officers from any seat,
        committee seats included) is a unit's business; an organization's
        office vacated elects the whole basic organization. Finding the
        holders is a few passes over the members' one-byte status, role and
        ``elected`` columns (cheaper than gathering the holders' rows, a fifth
        of the members, by id), and one over the organizations.
        """
        pop, orgs = self.pop, self.orgs
        elected = self._elected()[: pop.n]
        vacated = pop.status[: pop.n] != int(Status.FULL)  # plain ints: see ``elect``
        vacated |= pop.role[: pop.n] != elected
        vacated &= elected != int(Role.NONE)
        gone = np.flatnonzero(vacated)
        role = elected[gone]
        pop.role[gone] = Role.NONE
        elected[gone] = Role.NONE
        # Passes over the whole table's seats, masked at the end by the living units and basic organizations
        # (masks kept per state of the hierarchy): cheaper than gathering those half a million rows' seats by
        # id (national: 5.5 against 7.6 ms).
        unit = orgs.living(*MEMBER_UNITS)
        vacant = np.zeros(orgs.n, dtype=bool)
        for column, offices in (
            (orgs.column("secretary"), (Role.ORG_SECRETARY, Role.CELL_SECRETARY)),
            (orgs.column("deputy"), (Role.ORG_DEPUTY, Role.CELL_DEPUTY)),
        ):
            vacant |= column < 0
            # An empty seat (-1) reads some role: vacant either way.
            vacant |= pop.role.take(column) != np.where(unit, np.int8(offices[1]), np.int8(offices[0]))
        vacant &= orgs.living(*MEMBER_UNITS, *BASIC_ORGS)
        # Plain ints: an IntEnum member costs each comparison four times as much on a quarter's few rows.
        org_level = (role > int(Role.CELL_SECRETARY)) & (role < int(Role.COUNTY_CADRE))  # county seats: promote_cadres
        cells = np.concatenate([pop.cell[gone[role <= int(Role.CELL_SECRETARY)]], np.flatnonzero(vacant & unit)])
        basic = np.concatenate([orgs.basic_org(pop.cell[gone[org_level]]), np.flatnonzero(vacant & ~unit)])
        return cells.astype(np.int64), basic.astype(np.int64)

    def promote_cadres(self, day: int) -> np.ndarray:
        """Fill each county/city committee's vacant cadre seats; returns the organizations that lost a secretary."""
        orgs, pop = self.orgs, self.pop
        self.cadres = self.cadres[pop.role[self.cadres] == int(Role.COUNTY_CADRE)]  # those removed or gone are out
        have = np.bincount(orgs.county[pop.cell[self.cadres]], minlength=orgs.n)
        need = self.cfg.county_cadres - have  # the seats of those with none vacant are never read
        if not (need.take(orgs.ids_of(Kind.COUNTY)) > 0).any():
            # Every seat held (a county's party: every quarter after day 0): nobody to promote, and the passes
            # below would find no organization (about 15 NumPy calls and a ranking saved).
            return np.empty(0, dtype=np.int64)
        # Under a county with a vacant seat first (after a quarter, a few counties' of half a million units), then
        # basic organizations themselves (``orgs.basic_org(basic) == basic`` without its climb): the primary and
        # sub-primary organizations and the units directly under a county/city committee. The first is a pass
        # over the table's counties looked up in a byte table, masked by the kinds: at national scale less than
        # the cost of listing the living units and gathering their counties (2.4 against 3.3 ms).
        wanted = (need > 0).take(orgs.column("county"))
        wanted &= orgs.living(*MEMBER_UNITS, *BASIC_ORGS)  # the mask of ``vacancies``; branches are not ``own``
        basic = np.flatnonzero(wanted)
        own = IS_TOP_BASIC_ORG[orgs.kind[basic]] | (orgs.kind[orgs.parent[basic]] == int(Kind.COUNTY))
        basic = basic[own & (orgs.secretary[basic] >= 0)]
        promoted = basic[top_within(orgs.county[basic], self.score(orgs.secretary[basic], day), need)[0]]
        secretaries = orgs.secretary[promoted].astype(np.int64)
        pop.role[secretaries] = Role.COUNTY_CADRE
        self.elected[secretaries] = Role.COUNTY_CADRE
        self.cadres = np.concatenate([self.cadres, secretaries])
        orgs.secretary[promoted] = -1
        return promoted

    def fill(self, units_or_orgs: np.ndarray, day: int, cells: np.ndarray | None = None) -> int:
        """Elect the given organizations and the cell offices of ``cells`` (those not inside them), then
        promote cadres to vacant county seats and replace them.

        Returns how many members' offices changed.
        """
        changed = self.elect(units_or_orgs, day)
        if cells is not None and len(cells):
            if len(units_or_orgs):  # a county's party: most quarters elect no organization, only cells
                elected = np.zeros(self.orgs.n, dtype=bool)
                elected[self.orgs.basic_org(units_or_orgs)] = True
                cells = cells[~elected[self.orgs.basic_org(cells)]]
            changed += self.elect_cells(cells, day)
        promoted_from = self.promote_cadres(day)
        if len(promoted_from):  # every seat held: nothing to elect again
            changed += len(promoted_from) + self.elect(promoted_from, day)
        return changed
