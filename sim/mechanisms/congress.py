"""The pre-Congress cycle: from the decision to convene to the delegates who open the Congress.

Sources: Daily NK, on the army's preparations for the 8th Party Congress, and
shared/data/congresses.yaml ("how a Congress is prepared"):

* the Central Committee decides to convene the Congress, months ahead (the 7th
  six months, the 8th four and a half); "unit political departments and
  upper-level unit party committees set their eyes on" members "based on
  blood ties, friendships, student-teacher relationships, school ties";
* basic party organizations hold general assemblies, convened by order, that
  review the tasks of the last Congress and **recommend** candidates; the
  assembly "must make a final report of its decisions ... by Saturday";
* tiers of representative conferences follow (scenario data,
  ``CongressCycle.conferences``): city/county conferences (army: unit party
  conferences) **elect** delegates to the provincial-level conferences, which
  elect the Congress delegates and **recommend observers**. Each tier holds its
  conferences in its own window, each unit on its own day and never before the
  tier below has finished in its area;
* each unit is evaluated on "whether it improved its fighting power" and "its
  level of ideological commitment"; "units that scored well reportedly
  received more slots": the Congress total is apportioned to the last tier's
  units by members x score**exponent, and every tier's quota is apportioned
  among its units inside each unit of the tier above the same way, so that a
  tier's quotas sum to the tier above's;
* the ex officio — members of the outgoing central leading bodies
  (``sim.model.leadership``; without one: core cadres of unit party committees)
  — take their seats without election, before the ordinary delegates;
  "political officers and soldiers who have accomplished great achievements"
  are prioritized: holders of party office (``selection.office``) and the
  achievers of the year's campaigns weigh more. No weight by sector or sex
  is needed: the delegates' sectors and sex follow from who sits in which
  type of unit and who holds office (``sim.model.sectors``); the sector and
  sex weights remain as what-if levers, 1 by default;
* "a lot of bribery is taking place to get in";
* the Politburo reviews the credentials shortly before the Congress and strikes
  the delegates then ineligible.

Where the weights act (so that a weight means the same whatever the number of
tiers): the selection weights (``selection``) act on a member's chance at the
assembly that recommends and again at every tier that elects; the score
weights and exponent act only on the apportionment of quotas among units.

A cycle is a sequence of one-off SimPy events (decision, one tick per assembly
day, reporting deadline, inspection, one tick per day of each tier's window,
credential review, Congress); several cycles in one run are independent
processes. Every step is a vectorized pass over the members concerned:
recommendations and elections are weighted samples without replacement drawn
for all units at once (``sim.model.sampling.weighted_top_k``), quotas are
apportioned with ``sim.model.apportionment``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.mechanisms.base import Mechanism
from sim.model import cohorts
from sim.model.apportionment import apportion
from sim.model.arrays import distinct
from sim.model.leadership import CentralLeadership, build_central_committee
from sim.model.organizations import MEMBER_UNITS, Kind
from sim.model.population import ACTIVE
from sim.model.roles import CADRE_ROLES, Role
from sim.model.sampling import weighted_top_k
from sim.model.sectors import SECTORS
from sim.model.world import World
from sim.scenario.sections import CongressCycle

#: pop.delegate codes: 0 none; RECOMMENDED + t: elected by tier t - 1 (t = 0: recommended); SELECTED; OBSERVER.
RECOMMENDED = 1
SELECTED = 9
OBSERVER = 10
#: pop.delegate_route codes, in the order a selected delegate is attributed.
ROUTES = ("none", "ex_officio", "ordinary", "achievers", "ties", "bribery")
ROUTE = {name: code for code, name in enumerate(ROUTES)}
ASSEMBLY_KINDS = (Kind.CELL, Kind.TEAM, Kind.BRANCH)
TIER_LEVELS = ("county", "province")
#: A basic organization of more members meets as a representative meeting (basic-party-organizations text:
#: the general membership meeting is held yearly above 500 members; congresses.yaml: "or, where large,
#: representative meetings").
REPRESENTATIVE_MEETING_ABOVE = 500
#: Rows of the blocks the units' sincerity is summed in (their temporaries stay in a core's cache).
SCORE_BLOCK = 1 << 16
#: Why the credential review strikes a delegate, in the order a reason is attributed.
STRUCK_REASONS = ("left_party", "punished", "detected_briber")
#: What the levels are called; in the army: "unit -> corps -> General Political Bureau" (source).
LEVEL_NAMES = {
    False: {"county": "county/city committee", "province": "provincial committee", "central": "Central Committee"},
    True: {"county": "unit party committee", "province": "corps", "central": "General Political Bureau"},
}


def _empty(dtype=np.int64) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


def _flag(flags: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``flags[ids]``, False for members past its end (who joined after ``flags`` was drawn)."""
    if len(ids) and int(ids.max()) < len(flags):  # none past the end (the usual case): a plain gather
        return flags.take(ids)
    if len(flags) == 0:
        return np.zeros(len(ids), dtype=bool)
    out = np.take(flags, ids, mode="clip")  # a member past the end reads the last flag, masked next
    out &= ids < len(flags)
    return out


@dataclass
class TierState:
    """One tier of conferences in one cycle: quotas and days per unit (org id), what it did.

    ``sent``: the members sent to the tier (by the assemblies or the tier below), in pieces of sorted
    ids; its racers are those of them still holding its code (:meth:`Congress._racers`).
    """

    quota: np.ndarray = field(default_factory=_empty)
    sent: list[np.ndarray] = field(default_factory=lambda: [_empty()])
    day: np.ndarray = field(default_factory=_empty)
    conferences: int = 0
    elected: int = 0
    by_route: np.ndarray = field(default_factory=lambda: np.zeros(len(ROUTES), dtype=np.int64))
    by_sector: np.ndarray = field(default_factory=lambda: np.zeros(len(SECTORS), dtype=np.int64))
    women: int = 0


@dataclass
class CycleState:
    """What one Congress cycle remembers between its events."""

    cycle: CongressCycle
    index: int
    briber: np.ndarray = field(default_factory=lambda: _empty(bool))
    detected: np.ndarray = field(default_factory=_empty)
    achiever: np.ndarray = field(default_factory=lambda: _empty(bool))
    cadre_keys: np.ndarray = field(default_factory=_empty)
    assembly_day: np.ndarray = field(default_factory=_empty)
    late: np.ndarray = field(default_factory=lambda: _empty(bool))
    tiers: list[TierState] = field(default_factory=list)
    observer_quota: np.ndarray = field(default_factory=_empty)
    ex_officio: np.ndarray = field(default_factory=_empty)  # per county (unit cadres) when no central committee
    counts: dict = field(default_factory=dict)


class Congress(Mechanism):
    name = "congress"
    FLOWS = (
        "assemblies_held",
        "recommendations",
        "units_late",
        "delegates_chosen",
        "bribers_detected",
        "delegates_struck",
        "congresses_held",
    )

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.congress
        self.pool = 0  # recommended members in the current cycle
        self.selected = 0  # delegates chosen in the current cycle
        self.observers = 0
        self.tier_pool = dict.fromkeys(TIER_LEVELS, 0)  # delegates elected by each tier in the current cycle
        self.reports: list[dict] = []
        self.level_names = LEVEL_NAMES[world.scenario.organization.army]
        w = self.cfg.selection
        self._sector_weight = np.array([w.sectors.get(s, 1.0) for s in SECTORS])
        # The outgoing central leadership is built once on day 0, from its own stream.
        spec = self.cfg.central_committee
        self.leadership = (
            build_central_committee(world.pop, world.sectors, spec, world.rng("leadership"))
            if self.cfg.enabled and spec is not None
            else CentralLeadership.empty()
        )

    def stocks(self) -> dict[str, int]:
        return {
            "delegate_pool": self.pool,
            "delegates_selected": self.selected,
            **{f"delegates_{level}_tier": n for level, n in self.tier_pool.items()},
            "observers": self.observers,
        }

    def processes(self, env: simpy.Environment) -> list[Generator]:
        if not self.cfg.enabled:
            return []
        return [self._cycle(env, CycleState(cycle, i)) for i, cycle in enumerate(self.cfg.cycles)]

    def timeline(self, state: CycleState) -> list[tuple[int, Callable[[int, CycleState], None]]]:
        """The cycle's one-off events as (day, step), in the order they happen."""
        cal, c = self.world.calendar, state.cycle
        steps: list[tuple[int, Callable]] = [(cal.day(c.announce), self.announce)]
        window = range(cal.day(c.assemblies_open), cal.day(c.assemblies_close) + 1)
        steps += [(day, self.assemble) for day in window]
        steps.append((cal.day(c.report_deadline), self.close_reports))
        if c.inspection is not None:
            steps.append((cal.day(c.inspection), self.inspect))
        for level, conference in enumerate(c.conferences):
            days = range(cal.day(conference.date), cal.day(conference.last_day) + 1)
            steps += [(day, self._conference_step(level)) for day in days]
        if c.credential_review is not None:
            steps.append((cal.day(c.credential_review), self.review_credentials))
        steps.append((cal.day(c.congress), self.open_congress))
        order = sorted(range(len(steps)), key=lambda i: (steps[i][0], i))
        return [steps[i] for i in order]

    def _conference_step(self, level: int) -> Callable[[int, CycleState], None]:
        return lambda day, state: self.conference(day, state, level)

    def _cycle(self, env: simpy.Environment, state: CycleState) -> Generator:
        for day, step in self.timeline(state):
            if day > env.now:
                yield env.timeout(day - env.now)
            state.achiever = self.world.mechanisms["campaigns"].achievers_on(day)  # read through _flag
            step(day, state)

    # -- the steps -----------------------------------------------------------
    def announce(self, day: int, state: CycleState) -> None:
        """The Congress is decided: bribers decide, cadres' ties are noted, assemblies are ordered."""
        world, pop, orgs, cfg = self.world, self.world.pop, self.world.orgs, self.cfg
        n = pop.n
        state.briber = self.rng.random(n) < cfg.bribe_propensity
        state.briber &= pop.active_mask()
        state.briber &= pop.wealth[:n] >= cfg.bribe_price
        # Favouritism flows from the unit committee's core cadres (its political department).
        patrons = np.flatnonzero(pop.role[:n] == int(Role.COUNTY_CADRE))  # a plain int: no widening of the roles
        patrons = patrons[ACTIVE[pop.status[patrons]]]
        state.cadre_keys = distinct(self._tie_key(patrons))
        # Every cell, party team and branch holds its assembly on a day inside the window.
        c, cal = state.cycle, world.calendar
        open_day, window = cal.day(c.assemblies_open), cal.day(c.assemblies_close) - cal.day(c.assemblies_open) + 1
        ids = np.arange(orgs.n)
        assembly_of = self._assembly_of()
        assembles = np.zeros(orgs.n, dtype=bool)
        assembles[assembly_of[orgs.ids_of(*ASSEMBLY_KINDS)]] = True
        spread = (cohorts.unit_hash(ids + 7919 * (state.index + 1)) * window).astype(np.int64)
        state.assembly_day = np.where(assembles, open_day + spread, -1)
        state.late = self.rng.random(orgs.n) < cfg.late_report_probability
        members = np.bincount(assembly_of, weights=self.world.pop.org_size[: orgs.n], minlength=orgs.n)
        representative = int((assembles & (members > REPRESENTATIVE_MEETING_ABOVE)).sum())
        pop.delegate[:n] = 0
        pop.delegate_route[:n] = 0
        self._reset_pools()
        state.tiers = [TierState() for _ in c.conferences]
        state.counts = {
            "bribers": int(state.briber.sum()),
            "units_late": 0,
            "assemblies": 0,
            "previously_punished": 0,
            "representative_meetings": representative if cfg.assemblies == "basic_organizations" else 0,
            "bribers_detected": 0,
            "struck": dict.fromkeys(STRUCK_REASONS, 0),
            "replaced": 0,
        }
        world.events.log(day, "congress_announced", cause=c.name)

    def _reset_pools(self) -> None:
        self.pool = self.selected = self.observers = 0
        self.tier_pool = dict.fromkeys(TIER_LEVELS, 0)

    def _tie_key(self, ids: np.ndarray) -> np.ndarray:
        """(county, tie group) as one integer: favouritism works inside a unit."""
        pop, orgs = self.world.pop, self.world.orgs
        return orgs.county[pop.cell[ids]].astype(np.int64) * (1 << 32) + pop.ties_group[ids]

    def _achiever(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        """Credits that count today (made before today, not expired): ``Campaigns.achievers_on``."""
        return _flag(state.achiever, ids)

    def weights(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        """Selection weight of each member: achievement, loyalty, office, sector, sex, ties, bribes.

        The same weight acts at the assembly that recommends and at every tier that elects.
        """
        pop, w = self.world.pop, self.cfg.selection
        # Columns gathered with take (a little faster than fancy indexing on the hundreds of thousands of ids
        # of an assembly day at national scale).
        sincerity = pop.sincerity.take(ids).astype(np.float64)
        weight = sincerity if w.sincerity == 1 else np.power(sincerity, w.sincerity)  # x ** 1 is x: no pow
        # A factor of 1 for everyone (a lever left at its default) is skipped: x * 1.0 is x. A factor is
        # multiplied in place where its trait holds only, which leaves the others' x * 1.0 = x unchanged.
        if w.achiever != 1:
            np.multiply(weight, w.achiever, out=weight, where=self._achiever(ids, state))
        if w.female != 1:
            np.multiply(weight, w.female, out=weight, where=pop.female.take(ids))
        if (self._sector_weight != 1).any():
            weight *= self._sector_weight[self.world.sectors(ids)]
        if w.office != 1:
            # The office as a plain int: numpy widens the int8 roles to compare them with an IntEnum member.
            np.multiply(weight, w.office, out=weight, where=pop.role.take(ids) >= int(self.world.party_office))
        if w.ties != 0:
            np.multiply(weight, 1.0 + w.ties, out=weight, where=self._tied(ids, state))
        if w.bribery != 0:
            np.multiply(weight, 1.0 + w.bribery, out=weight, where=self._bribes(ids, state))
        return weight

    def _tied(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        """Whether each member shares a tie group with a core cadre of their unit.

        The tie group is looked up first, in a table of the few groups that hold a cadre (the low bits of
        the cadres' keys); only the members of those groups have their unit found and their key searched.
        """
        cadres = state.cadre_keys  # sorted and distinct: a binary search each
        groups = cadres & 0xFFFFFFFF
        cadre_group = np.zeros(int(groups.max(initial=-1)) + 1, dtype=bool)
        cadre_group[groups] = True
        tied = _flag(cadre_group, self.world.pop.ties_group.take(ids))
        maybe = np.flatnonzero(tied)
        keys = self._tie_key(ids[maybe])
        tied[maybe] = cadres[np.minimum(np.searchsorted(cadres, keys), max(len(cadres) - 1, 0))] == keys
        return tied

    def _bribes(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        return _flag(state.briber, ids)

    def _eligible(self, ids: np.ndarray) -> np.ndarray:
        """Whether each member is active and not barred by a standing punishment."""
        pop = self.world.pop
        return ACTIVE[pop.status[ids]] & self.world.mechanisms["discipline"].eligible_for_delegate(ids)

    def _candidates(self, mask: np.ndarray) -> np.ndarray:
        """Active, delegate-eligible members among ``mask`` (over the first pop.n rows)."""
        ids = np.flatnonzero(mask)
        return ids[self._eligible(ids)]

    def assemble(self, day: int, state: CycleState) -> None:
        """Today's general assemblies review the last Congress's tasks and recommend candidates."""
        world, pop, orgs = self.world, self.world.pop, self.world.orgs
        today = np.flatnonzero(state.assembly_day[: orgs.n] == day)
        world.tally.add("assemblies_held", len(today))
        state.counts["assemblies"] += len(today)
        world.events.log(day, "general_assembly", orgs=today, cause=state.cycle.name)
        late = today[state.late[today]]
        world.tally.add("units_late", len(late))
        state.counts["units_late"] += len(late)
        reporting = np.zeros(orgs.n, dtype=bool)
        reporting[today[~state.late[today]]] = True
        assembly_of = self._assembly_of()  # today's organizations: re-organization may have added units
        # The active members of the units attending today's assemblies, through the member index (a fifteenth
        # of the party on each day of the national cycle): in id order, as a pass over the table gives them
        # (the index gives each once: any sort gives that order), those barred by a punishment left out.
        ids = np.sort(world.members.members_of(np.flatnonzero(reporting[assembly_of]), ACTIVE))
        ids = ids.compress(world.mechanisms["discipline"].eligible_for_delegate(ids))
        k = self._assembly_seats()
        chosen = ids[weighted_top_k(self.rng, assembly_of.take(pop.cell.take(ids)), self.weights(ids, state), k)]
        pop.delegate[chosen] = RECOMMENDED
        state.tiers[0].sent.append(chosen)
        self.pool += len(chosen)
        state.counts["previously_punished"] += int((pop.punish_count[chosen] > 0).sum())
        world.tally.add("recommendations", len(chosen))
        self.log_members(day, "recommended", chosen, cause=state.cycle.name)  # the cells gathered only if logged

    def _assembly_seats(self) -> np.ndarray:
        """Recommendations of each assembly (by org id: no relabelling sort needed): the same number per
        unit it holds. Derived once per state of the hierarchy, like :meth:`_assembly_of`."""
        orgs, per_unit = self.world.orgs, self.cfg.recommendations_per_cell

        def derive() -> np.ndarray:
            return per_unit * np.bincount(self._assembly_of()[orgs.ids_of(*ASSEMBLY_KINDS)], minlength=orgs.n)

        return orgs.of_hierarchy(("assembly_seats", self.cfg.assemblies, per_unit), derive)

    def _assembly_of(self) -> np.ndarray:
        """The organization whose assembly each organization's members attend (by org id).

        'cells': each unit its own. 'basic_organizations': the basic party organization
        (:meth:`Organizations.basic_org`): the primary or sub-primary above a cell or
        branch, or a cell or team standing directly under a county/city committee.
        Read-only, derived once per state of the hierarchy (``Organizations.of_hierarchy``):
        the assemblies ask for it on every day of their window.
        """
        orgs = self.world.orgs

        def derive() -> np.ndarray:
            of = np.arange(orgs.n)
            if self.cfg.assemblies == "basic_organizations":
                units = np.flatnonzero(np.isin(orgs.column("kind"), MEMBER_UNITS))
                of[units] = orgs.basic_org(units)
            return of

        return orgs.of_hierarchy(("assembly_of", self.cfg.assemblies), derive)

    def unit_scores(self, state: CycleState | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Members and score of every county/city committee (army: unit): fighting power and ideology.

        Fighting power: the share of achievers whose credit counts today (campaign
        achievements) and the share under punishment (discipline record); ideology:
        mean sincerity (which critique findings and punishments lower). Score =
        exp(sum of weight x share); the exponent acts in :meth:`votes`.
        """
        pop, orgs, w = self.world.pop, self.world.orgs, self.cfg.score_weights
        n, county = pop.n, orgs.county
        # Members and the punished per unit from the counts per cell the population keeps (whole numbers,
        # exact in any order); the achievers from their own rows (a few percent of the table); the sincerity
        # summed in member order (:meth:`_sincerity_by_unit`), the one pass over the active members.
        cells = np.flatnonzero(pop.org_size[: orgs.n])
        size = np.bincount(county[cells], weights=pop.org_size[cells], minlength=orgs.n)
        achievers = np.flatnonzero(pop.achiever[:n] if state is None else state.achiever[:n])
        achievers = achievers[ACTIVE[pop.status[achievers]]]
        total = {
            "achievement": np.bincount(county[pop.cell[achievers]], minlength=orgs.n),
            "sincerity": self._sincerity_by_unit(),
            "punished": np.bincount(county[cells], weights=pop.org_punished[cells], minlength=orgs.n),
        }
        share = {name: values / np.maximum(size, 1) for name, values in total.items()}
        score = np.exp(
            w.achievement * share["achievement"] + w.sincerity * share["sincerity"] + w.punished * share["punished"]
        )
        return size, np.where(size > 0, score, 0.0)

    def _sincerity_by_unit(self) -> np.ndarray:
        """The active members' sincerity summed per county/city committee, in member order.

        Block by block (``SCORE_BLOCK`` rows), each block's sums added in order to the running ones
        (``np.add.at``), so the sums are those of one ``bincount`` over the table, bit for bit, while the
        temporaries stay in cache (at national scale the table-long ones cost their page faults: measured
        75 against 125 ms). Only the active mask is of the table's length (a byte a row).
        """
        pop, county = self.world.pop, self.world.orgs.county
        total = np.zeros(self.world.orgs.n)
        active = pop.active_mask()
        for start in range(0, pop.n, SCORE_BLOCK):
            rows = slice(start, min(start + SCORE_BLOCK, pop.n))
            # compress and take, not boolean and fancy indexing: 45 against 55-88 ms at national scale.
            # float64 values: np.add.at has no fast path for float32 into float64.
            sincerity = pop.sincerity[rows].compress(active[rows]).astype(np.float64)
            np.add.at(total, county.take(pop.cell[rows].compress(active[rows])), sincerity)
        return total

    def _scope(self, level: str) -> np.ndarray:
        orgs = self.world.orgs
        return orgs.county if level == "county" else orgs.province

    def _unit_of(self, level: str) -> np.ndarray:
        """The unit of ``level`` (county/city or provincial committee) of each organization's members, by org id.

        Read-only, derived once per state of the hierarchy (``Organizations.of_hierarchy``): a tier's
        conferences find the units of their whole pool on every day of their window, one gather each
        instead of two.
        """
        orgs = self.world.orgs
        return orgs.of_hierarchy(("tier_unit", level), lambda: self._scope(level).take(orgs.column("county")))

    def close_reports(self, day: int, state: CycleState) -> None:
        """At the deadline units are scored and every tier's quotas apportioned, from the top down.

        The Congress total goes to the last tier's units by votes (members x score**exponent);
        each lower tier's quota inside a unit of the tier above is ceil(that unit's quota x
        shortlist_factor), apportioned among its units by their votes. Observers are
        apportioned to the last tier's units like the delegates.
        """
        orgs, c = self.world.orgs, state.cycle
        size, score = self.unit_scores(state)
        counties = np.flatnonzero(size > 0)
        # members x score**exponent, scaled by the best unit's score**exponent (apportionment ignores the scale):
        # in logs, so that a large exponent on a large score cannot overflow.
        log_score = np.log(score[counties])
        votes = np.zeros(len(size))
        if len(counties):
            votes[counties] = size[counties] * np.exp(self.cfg.score_weights.exponent * (log_score - log_score.max()))
        method = self.cfg.apportionment
        scopes = [self._scope(conf.level) for conf in c.conferences]
        unit_votes = [np.bincount(scope[counties], weights=votes[counties], minlength=orgs.n) for scope in scopes]
        top = state.tiers[-1]
        top.quota = apportion(unit_votes[-1], c.delegates_total, method)
        state.observer_quota = apportion(unit_votes[-1], c.observers_total, method)
        for level in range(len(c.conferences) - 2, -1, -1):
            above, factor = state.tiers[level + 1], c.conferences[level].shortlist_factor
            quota = np.zeros(orgs.n, dtype=np.int64)
            parent = scopes[level + 1]
            units = np.flatnonzero(unit_votes[level] > 0)
            for unit_above in np.flatnonzero(above.quota).tolist():  # one per unit of the tier above
                inside = units[parent[units] == unit_above]
                quota[inside] = apportion(
                    unit_votes[level][inside], int(np.ceil(above.quota[unit_above] * factor)), method
                )
            state.tiers[level].quota = quota
        self._schedule_tiers(state, scopes)
        state.ex_officio = apportion(votes, c.ex_officio_total, method)
        state.counts["spread"] = self._slot_spread(state.tiers[0].quota, size, score)
        self.world.events.log(day, "slots", orgs=counties, cause=c.name, value=state.tiers[0].quota[counties])

    def _schedule_tiers(self, state: CycleState, scopes: list[np.ndarray]) -> None:
        """Each unit's conference day: spread over its tier's window, after the tier below has finished in its area."""
        cal, c, n_orgs = self.world.calendar, state.cycle, self.world.orgs.n
        for level, (conf, tier) in enumerate(zip(c.conferences, state.tiers)):
            first, last = cal.day(conf.date), cal.day(conf.last_day)
            units = np.flatnonzero(tier.quota)
            spread = cohorts.unit_hash(units + 7919 * (state.index + 1) + 104_729 * (level + 1))
            day = np.full(n_orgs, -1, dtype=np.int64)
            day[units] = first + (spread * (last - first + 1)).astype(np.int64)
            if level:
                below = state.tiers[level - 1]
                done = np.full(n_orgs, -1, dtype=np.int64)
                held = np.flatnonzero(below.day >= 0)
                np.maximum.at(done, scopes[level][held], below.day[held])
                day[units] = np.minimum(np.maximum(day[units], done[units] + 1), last)
            tier.day = day

    def _slot_spread(self, quota: np.ndarray, size: np.ndarray, score: np.ndarray) -> dict:
        """Slots per member of the first tier's units: mean over the best and the worst tenth by score."""
        units = np.flatnonzero(size > 0)
        if len(units) < 2:
            return {}
        order = units[np.argsort(score[units], kind="stable")]
        tenth = max(len(order) // 10, 1)
        per_member = quota / np.maximum(size, 1)
        worst, best = float(per_member[order[:tenth]].mean()), float(per_member[order[-tenth:]].mean())
        return {
            "units_per_tenth": int(tenth),
            "best_tenth_slots_per_1000": 1000 * best,
            "worst_tenth_slots_per_1000": 1000 * worst,
            "best_to_worst": best / worst if worst > 0 else None,
        }

    def inspect(self, day: int, state: CycleState) -> None:
        """An anti-corruption inspection refers detected bribers in the pool to discipline."""
        pop = self.world.pop
        in_race = np.flatnonzero(pop.delegate[: pop.n] >= RECOMMENDED)
        in_race = in_race[self._bribes(in_race, state)]
        detected = in_race[self.rng.random(len(in_race)) < self.cfg.inspection_detection]
        state.detected = distinct(np.concatenate((state.detected, detected)))
        self.world.tally.add("bribers_detected", len(detected))
        state.counts["bribers_detected"] += len(detected)
        self.world.mechanisms["discipline"].refer(detected, "bribery", day)

    def conference(self, day: int, state: CycleState, level: int) -> None:
        """Today's conferences of one tier: each elects its quota among those the tier below sent.

        At the first tier's opening day the ex officio take their seats first. The last tier
        elects the Congress delegates and then recommends its observers among the rest.
        """
        world, pop = self.world, self.world.pop
        c, tier = state.cycle, state.tiers[level]
        if level == 0 and day == world.calendar.day(c.conferences[0].date):
            self._choose_ex_officio(day, state)
        today = np.flatnonzero(tier.day == day)
        if not len(today):
            return
        last = level == len(c.conferences) - 1
        # Units created since the quotas were set hold no conference: the racers' units are read in today's
        # organizations, the elections' in those of the quotas (the units holding a conference today).
        holding = np.zeros(self.world.orgs.n, dtype=bool)
        holding[today] = True
        racers = self._racers(tier, level)
        # take, not fancy indexing: the pool's units are gathered again on every day of the tier (two gathers of
        # the 455,000 racers of a national county tier: 1.9 ms, against 3.2 ms for three by fancy indexing).
        unit = self._unit_of(c.conferences[level].level).take(pop.cell.take(racers))
        here = holding.take(unit)
        tier.sent = [racers[~here]]  # today's racers leave the tier, elected to the next or out of the race
        # compress for today's few percent of the racers (70,000: 67 against 125 us); boolean indexing keeps
        # the rest (most of the rows: there compress, which lists the kept positions first, is the slower).
        racers, unit = racers.compress(here), unit.compress(here)
        eligible = self._eligible(racers)
        ids, group = racers[eligible], unit[eligible]
        weights = self.weights(ids, state)
        picked = weighted_top_k(self.rng, group, weights, tier.quota)
        chosen = ids[picked]
        if world.invariants is not None:
            world.invariants.check_delegates(day, chosen)
        pop.delegate[racers] = 0  # those not passed on leave the race
        pop.delegate[chosen] = SELECTED if last else RECOMMENDED + level + 1
        if not last:
            state.tiers[level + 1].sent.append(chosen)
        route = self._route(chosen, state)
        tier.conferences += len(today)
        tier.elected += len(chosen)
        tier.by_route += np.bincount(route, minlength=len(ROUTES))
        tier.by_sector += np.bincount(self.world.sectors(chosen), minlength=len(SECTORS))
        tier.women += int(pop.female[chosen].sum())
        self.tier_pool[c.conferences[level].level] += len(chosen)
        world.events.log(day, "conference", orgs=today, cause=c.conferences[level].level)
        self.log_members(day, "elected", chosen, cause=c.conferences[level].level)
        if last:
            pop.delegate_route[chosen] = route
            self.selected += len(chosen)
            world.tally.add("delegates_chosen", len(chosen))
            if world.events.enabled:
                routes = np.asarray(ROUTES, dtype=object)[route]
                world.events.log(day, "delegate", chosen, pop.cell[chosen], cause=c.name, level=routes)
            if state.observer_quota.any():
                self._recommend_observers(day, state, np.delete(ids, picked), np.delete(group, picked))

    def _racers(self, tier: TierState, level: int) -> np.ndarray:
        """The members in the race at a tier, in id order: those sent to it still holding its code.

        Only the members sent to the tier are read, not the whole table: a member leaves the race
        (struck out, seated ex officio) by a change of code, found here.
        """
        sent = distinct(np.concatenate(tier.sent)) if len(tier.sent) > 1 else tier.sent[0]
        return sent[self.world.pop.delegate[sent] == RECOMMENDED + level]

    def _recommend_observers(self, day: int, state: CycleState, rest: np.ndarray, group: np.ndarray) -> None:
        """The last tier recommends its observers among those it did not elect (``group``: their units, those
        holding a conference today, set with the quotas); they never vote."""
        pop = self.world.pop
        observers = rest[weighted_top_k(self.rng, group, self.weights(rest, state), state.observer_quota)]
        pop.delegate[observers] = OBSERVER
        self.observers += len(observers)
        self.log_members(day, "observer", observers, cause=state.cycle.name)

    def _choose_ex_officio(self, day: int, state: CycleState) -> None:
        """The ex officio take their seats without election.

        With a central committee: its members and alternates still in the party and eligible.
        Without one: core cadres of each unit's party committee, highest rank and longest standing first.
        """
        pop, orgs = self.world.pop, self.world.orgs
        if self.cfg.central_committee is not None:
            leaders = self.leadership.ids
            chosen = leaders[self._eligible(leaders)]
            unfilled = len(leaders) - len(chosen)
        else:
            cadres = self._candidates(np.isin(pop.role[: pop.n], CADRE_ROLES))
            unit = orgs.county[pop.cell[cadres]]
            order = np.lexsort((pop.joined[cadres], -pop.role[cadres].astype(np.int64), unit))
            sorted_unit = unit[order]
            rank = np.arange(len(order)) - np.searchsorted(sorted_unit, sorted_unit, side="left")
            chosen = cadres[order[rank < state.ex_officio[sorted_unit]]]
            unfilled = int(state.ex_officio.sum() - len(chosen))
        if self.world.invariants is not None:
            self.world.invariants.check_delegates(day, chosen)
        pop.delegate[chosen] = SELECTED
        pop.delegate_route[chosen] = ROUTE["ex_officio"]
        self.selected += len(chosen)
        state.counts["ex_officio_unfilled"] = unfilled
        self.world.tally.add("delegates_chosen", len(chosen))
        self.world.events.log(day, "delegate", chosen, pop.cell[chosen], cause=state.cycle.name, level="ex_officio")

    def _route(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        """Why a delegate got in: bribery, else ties, else achievement, else ordinary recommendation.

        A route is a lever that acted: a delegate counts as got in by ties (or
        bribes, or achievement) only when the selection weighs that trait
        (``ties`` or ``bribery`` above 0, ``achiever`` other than 1); sharing a
        tie group with a cadre when ties weigh nothing is no favouritism.
        """
        w = self.cfg.selection
        route = np.full(len(ids), ROUTE["ordinary"], dtype=np.int8)
        for name, acts, has in (
            ("achievers", w.achiever != 1, self._achiever),
            ("ties", w.ties > 0, self._tied),
            ("bribery", w.bribery > 0, self._bribes),
        ):
            if acts:
                route[has(ids, state)] = ROUTE[name]
        return route

    def review_credentials(self, day: int, state: CycleState) -> None:
        """The Politburo strikes delegates now ineligible: left the party, under punishment, detected bribers.

        Source: congresses.yaml, step 5 (the review); who is ineligible follows the
        delegate rules above. Replacement follows ``congress.replacement``.
        """
        world, pop = self.world, self.world.pop
        delegates = np.flatnonzero(pop.delegate[: pop.n] == SELECTED)
        reason = np.full(len(delegates), -1)
        reason[np.isin(delegates, state.detected)] = STRUCK_REASONS.index("detected_briber")
        reason[~world.mechanisms["discipline"].eligible_for_delegate(delegates)] = STRUCK_REASONS.index("punished")
        reason[~ACTIVE[pop.status[delegates]]] = STRUCK_REASONS.index("left_party")
        struck = delegates[reason >= 0]
        for code, name in enumerate(STRUCK_REASONS):
            state.counts["struck"][name] += int((reason == code).sum())
        elected = struck[pop.delegate_route[struck] != ROUTE["ex_officio"]]
        pop.delegate[struck] = 0
        pop.delegate_route[struck] = 0
        self.selected -= len(struck)
        world.tally.add("delegates_struck", len(struck))
        world.events.log(day, "struck", struck, pop.cell[struck], cause=state.cycle.name)
        if self.cfg.replacement == "observer" and len(elected):
            self._replace(day, state, elected)

    def _replace(self, day: int, state: CycleState, struck: np.ndarray) -> None:
        """Observers of the struck delegates' provincial-level units take their seats."""
        world, pop, orgs = self.world, self.world.pop, self.world.orgs
        unit_of = self._unit_of(state.cycle.conferences[-1].level)
        seats = np.bincount(unit_of[pop.cell[struck]], minlength=orgs.n)
        observers = self._candidates(pop.delegate[: pop.n] == OBSERVER)
        group = unit_of[pop.cell[observers]]
        promoted = observers[weighted_top_k(self.rng, group, self.weights(observers, state), seats)]
        pop.delegate[promoted] = SELECTED
        pop.delegate_route[promoted] = self._route(promoted, state)
        self.selected += len(promoted)
        self.observers -= len(promoted)
        state.counts["replaced"] += len(promoted)
        world.events.log(day, "delegate", promoted, pop.cell[promoted], cause=state.cycle.name, level="replacement")

    def open_congress(self, day: int, state: CycleState) -> None:
        """The Congress opens with the delegates still in the party; the cycle's figures are kept."""
        world, pop = self.world, self.world.pop
        c = state.cycle
        n = pop.n
        delegates = self._still_in_party(np.flatnonzero(pop.delegate[:n] == SELECTED))
        observers = self._still_in_party(np.flatnonzero(pop.delegate[:n] == OBSERVER))
        route = np.bincount(pop.delegate_route[delegates], minlength=len(ROUTES))
        elected = len(delegates) - int(route[ROUTE["ex_officio"]])
        elected_ids = delegates[pop.delegate_route[delegates] != ROUTE["ex_officio"]]
        by_sector = np.bincount(self.world.sectors(delegates), minlength=len(SECTORS))
        report = {
            "name": c.name,
            "announce": str(c.announce),
            "assemblies_open": str(c.assemblies_open),
            "assemblies_close": str(c.assemblies_close),
            "report_deadline": str(c.report_deadline),
            "inspection": str(c.inspection) if c.inspection else None,
            "credential_review": str(c.credential_review) if c.credential_review else None,
            "conferences": [self._tier_report(conf, tier) for conf, tier in zip(c.conferences, state.tiers)],
            "congress": str(c.congress),
            "assemblies": state.counts["assemblies"],
            "representative_meetings": state.counts["representative_meetings"],
            "recommended": self.pool,
            "recommended_previously_punished": state.counts["previously_punished"],
            "slots_total": int(state.tiers[-1].quota.sum()),
            "slots_per_member_spread": state.counts.get("spread", {}),
            "delegates_selected": len(delegates),
            "ex_officio": int(route[ROUTE["ex_officio"]]),
            "ex_officio_unfilled": state.counts.get("ex_officio_unfilled", 0),
            "observers": len(observers),
            "struck": dict(state.counts["struck"]),
            "replaced": state.counts["replaced"],
            "by_route": {name: int(route[code]) for code, name in enumerate(ROUTES) if code},
            "by_sector": {name: int(k) for name, k in zip(SECTORS, by_sector)},
            "women": int(pop.female[delegates].sum()),
            "distorted_share": float((route[ROUTE["ties"]] + route[ROUTE["bribery"]]) / elected) if elected else 0.0,
            "units_late": state.counts["units_late"],
            "bribers": state.counts["bribers"],
            "bribers_detected": state.counts["bribers_detected"],
            # The traits among the elected, whether or not the selection weighs them (by_route counts a lever that acted).
            "bribers_elected": int(self._bribes(elected_ids, state).sum()),
            "tied_elected": int(self._tied(elected_ids, state).sum()),
        }
        if c.published is not None:
            report["beside_published"] = self._beside_published(report, c)
        self.reports.append(report)
        world.tally.add("congresses_held", 1)
        world.events.log(day, "congress_opened", delegates, pop.cell[delegates], cause=c.name)
        pop.delegate[:n] = 0
        self._reset_pools()

    def _still_in_party(self, ids: np.ndarray) -> np.ndarray:
        """Those of ``ids`` still active members (a delegate or observer may have left since chosen)."""
        return ids[ACTIVE[self.world.pop.status[ids]]]

    def _tier_report(self, conf, tier: TierState) -> dict:
        return {
            "level": conf.level,
            "name": self.level_names[conf.level],
            "date": str(conf.date),
            "close": str(conf.last_day),
            "conferences_held": tier.conferences,
            "delegates_elected": tier.elected,
            "by_route": {name: int(tier.by_route[code]) for code, name in enumerate(ROUTES) if code},
            "by_sector": {name: int(k) for name, k in zip(SECTORS, tier.by_sector)},
            "women": tier.women,
        }

    @staticmethod
    def _beside_published(report: dict, cycle: CongressCycle) -> dict:
        """The model's composition beside each published figure the cycle names."""
        p = cycle.published
        if p is None:
            raise ValueError(f"cycle {cycle.name}: no published figures to set beside the model's")
        rows = {
            "delegates_total": (report["delegates_selected"], p.delegates_total),
            "delegates_elected": (report["delegates_selected"] - report["ex_officio"], p.delegates_elected),
            "ex_officio": (report["ex_officio"], p.ex_officio),
            "observers": (report["observers"], p.observers),
            "women": (report["women"], p.women),
            **{f"sector_{name}": (report["by_sector"][name], k) for name, k in p.by_sector.items()},
        }
        figures = {name: {"model": model, "published": pub} for name, (model, pub) in rows.items() if pub is not None}
        return {"source": p.source, "figures": figures}

    def summary(self, timeseries: Mapping[str, np.ndarray]) -> dict:
        out = {"congress": self.reports, "organization_levels": self.level_names} if self.reports else {}
        if out and len(self.leadership.ids):
            out["central_committee"] = {
                "members": int((~self.leadership.alternate).sum()),
                "alternates": int(self.leadership.alternate.sum()),
            }
        return out
