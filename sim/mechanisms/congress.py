"""The pre-Congress cycle: from the announcement to the delegates who open the Congress.

Source: Daily NK, on the army's preparations for the 8th Party Congress:

* the Congress is announced; "unit political departments and upper-level
  unit party committees set their eyes on" members "based on blood ties,
  friendships, student-teacher relationships, school ties";
* general assemblies of party cells and branches, convened by order, review
  the tasks of the last Congress and recommend candidates; the assembly
  "must make a final report of its decisions ... by Saturday";
* each unit is evaluated on "whether it improved its fighting power" and "its
  level of ideological commitment"; "units that scored well reportedly
  received more slots";
* "ex officio" commanders — core cadres of unit party committees — take part
  besides ordinary members accredited on recommendation; achievers of the
  year's campaigns are prioritized;
* "a lot of bribery is taking place to get in".

A cycle is a sequence of one-off SimPy events (announcement, one tick per
assembly day, reporting deadline, inspection, one tick per conference level,
Congress); several cycles in one run are independent processes. Every step is
a vectorized pass over the members concerned: recommendations and selections
are weighted samples without replacement drawn for all cells (or units) at
once (``sim.model.sampling.weighted_top_k``), slots are apportioned with
``sim.model.apportionment``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.mechanisms.base import Mechanism
from sim.model import cohorts
from sim.model.apportionment import apportion
from sim.model.arrays import distinct
from sim.model.organizations import Kind
from sim.model.population import ACTIVE
from sim.model.roles import CADRE_ROLES, Role
from sim.model.sampling import weighted_top_k
from sim.model.traits import SECTORS
from sim.model.world import World
from sim.scenario.sections import CongressCycle

#: pop.delegate codes: 0 none, 1..8 still in the race after that many stages, SELECTED.
RECOMMENDED = 1
SELECTED = 9
#: pop.delegate_route codes, in the order a selected delegate is attributed.
ROUTES = ("none", "ex_officio", "ordinary", "achievers", "ties", "bribery")
ROUTE = {name: code for code, name in enumerate(ROUTES)}
ASSEMBLY_KINDS = (Kind.CELL, Kind.TEAM, Kind.BRANCH)
#: What the levels are called; in the army: "unit -> corps -> General Political Bureau" (source).
LEVEL_NAMES = {
    False: {"county": "county/city committee", "province": "provincial committee", "central": "Central Committee"},
    True: {"county": "unit party committee", "province": "corps", "central": "General Political Bureau"},
}


@dataclass
class CycleState:
    """What one Congress cycle remembers between its events."""

    cycle: CongressCycle
    index: int
    briber: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    cadre_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    assembly_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    late: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    slots: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per org id (units)
    ex_officio: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    stage: int = RECOMMENDED
    counts: dict = field(default_factory=dict)


class Congress(Mechanism):
    name = "congress"
    FLOWS = (
        "assemblies_held",
        "recommendations",
        "units_late",
        "delegates_chosen",
        "bribers_detected",
        "congresses_held",
    )

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.congress
        self.pool = 0  # recommended members in the current cycle
        self.selected = 0  # delegates chosen in the current cycle
        self.reports: list[dict] = []
        self.level_names = LEVEL_NAMES[world.scenario.organization.army]
        w = self.cfg.selection
        self._sector_weight = np.array([w.sectors.get(s, 1.0) for s in SECTORS])

    def stocks(self) -> dict[str, int]:
        return {"delegate_pool": self.pool, "delegates_selected": self.selected}

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
            steps.append((cal.day(conference.date), self._conference_step(level)))
        steps.append((cal.day(c.congress), self.open_congress))
        order = sorted(range(len(steps)), key=lambda i: (steps[i][0], i))
        return [steps[i] for i in order]

    def _conference_step(self, level: int) -> Callable[[int, CycleState], None]:
        return lambda day, state: self.conference(day, state, level)

    def _cycle(self, env: simpy.Environment, state: CycleState) -> Generator:
        for day, step in self.timeline(state):
            if day > env.now:
                yield env.timeout(day - env.now)
            step(day, state)

    # -- the steps -----------------------------------------------------------
    def announce(self, day: int, state: CycleState) -> None:
        """The Congress is announced: bribers decide, cadres' ties are noted, assemblies are ordered."""
        world, pop, orgs, cfg = self.world, self.world.pop, self.world.orgs, self.cfg
        n = pop.n
        active = ACTIVE[pop.status[:n]]
        can_pay = pop.wealth[:n] >= cfg.bribe_price
        state.briber = active & can_pay & (self.rng.random(n) < cfg.bribe_propensity)
        # Favouritism flows from the unit committee's core cadres (its political department).
        patrons = np.flatnonzero(active & (pop.role[:n] == Role.COUNTY_CADRE))
        state.cadre_keys = distinct(self._tie_key(patrons))
        # Every cell, party team and branch holds its assembly on a day inside the window.
        c, cal = state.cycle, world.calendar
        open_day, window = cal.day(c.assemblies_open), cal.day(c.assemblies_close) - cal.day(c.assemblies_open) + 1
        ids = np.arange(orgs.n)
        assembles = np.isin(orgs.column("kind"), ASSEMBLY_KINDS) & orgs.column("alive")
        spread = (cohorts.unit_hash(ids + 7919 * (state.index + 1)) * window).astype(np.int64)
        state.assembly_day = np.where(assembles, open_day + spread, -1)
        state.late = self.rng.random(orgs.n) < cfg.late_report_probability
        pop.delegate[:n] = 0
        pop.delegate_route[:n] = 0
        self.pool = self.selected = 0
        state.counts = {"bribers": int(state.briber.sum()), "units_late": 0, "assemblies": 0}
        world.events.log(day, "congress_announced", cause=c.name)

    def _tie_key(self, ids: np.ndarray) -> np.ndarray:
        """(county, tie group) as one integer: favouritism works inside a unit."""
        pop, orgs = self.world.pop, self.world.orgs
        return orgs.county[pop.cell[ids]].astype(np.int64) * (1 << 32) + pop.ties_group[ids]

    def weights(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        """Selection weight of each member: achievement, loyalty, sector, sex, ties, bribes."""
        pop, w = self.world.pop, self.cfg.selection
        weight = np.power(pop.sincerity[ids].astype(np.float64), w.sincerity)
        weight *= np.where(pop.achiever[ids], w.achiever, 1.0)
        weight *= np.where(pop.female[ids], w.female, 1.0)
        weight *= self._sector_weight[pop.sector[ids]]
        weight *= 1.0 + w.ties * self._tied(ids, state)
        weight *= 1.0 + w.bribery * self._bribes(ids, state)
        return weight

    def _tied(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        keys, cadres = self._tie_key(ids), state.cadre_keys  # sorted and distinct: a binary search each
        at = np.minimum(np.searchsorted(cadres, keys), max(len(cadres) - 1, 0))
        return (cadres[at] == keys) if len(cadres) else np.zeros(len(ids), dtype=bool)

    def _bribes(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        inside = ids < len(state.briber)
        return np.where(inside, state.briber[np.minimum(ids, len(state.briber) - 1)], False)

    def _candidates(self, mask: np.ndarray) -> np.ndarray:
        """Active, delegate-eligible members among ``mask`` (over the first pop.n rows)."""
        pop = self.world.pop
        ids = np.flatnonzero(mask & ACTIVE[pop.status[: pop.n]])
        return ids[self.world.mechanisms["discipline"].eligible_for_delegate(ids)]

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
        ids = self._candidates(reporting[pop.cell[: pop.n]])
        # Each unit (by its id: no relabelling sort needed) recommends the same number.
        k = np.full(orgs.n, self.cfg.recommendations_per_cell)
        chosen = ids[weighted_top_k(self.rng, pop.cell[ids], self.weights(ids, state), k)]
        pop.delegate[chosen] = RECOMMENDED
        self.pool += len(chosen)
        world.tally.add("recommendations", len(chosen))
        world.events.log(day, "recommended", chosen, pop.cell[chosen], cause=state.cycle.name)

    def unit_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """Members and score of every county/city committee (army: unit): fighting power and ideology."""
        pop, orgs, w = self.world.pop, self.world.orgs, self.cfg.score_weights
        n = pop.n
        active = ACTIVE[pop.status[:n]]
        unit = orgs.county[pop.cell[:n][active]]
        size = np.bincount(unit, minlength=orgs.n).astype(np.float64)
        share = {}
        for name, values in (
            ("achievement", pop.achiever[:n][active]),
            ("sincerity", pop.sincerity[:n][active]),
            ("punished", pop.punish_level[:n][active] > 0),
        ):
            share[name] = np.bincount(unit, weights=values.astype(np.float64), minlength=orgs.n) / np.maximum(size, 1)
        score = np.exp(
            w.achievement * share["achievement"] + w.sincerity * share["sincerity"] + w.punished * share["punished"]
        )
        return size, np.where(size > 0, score, 0.0)

    def close_reports(self, day: int, state: CycleState) -> None:
        """At the deadline units are scored and slots apportioned by score-weighted membership."""
        size, score = self.unit_scores()
        votes = size * score
        c = state.cycle
        state.slots = apportion(votes, c.delegates_total, self.cfg.apportionment)
        state.ex_officio = apportion(votes, c.ex_officio_total, self.cfg.apportionment)
        units = np.flatnonzero(size > 0)
        self.world.events.log(day, "slots", orgs=units, cause=c.name, value=state.slots[units])

    def inspect(self, day: int, state: CycleState) -> None:
        """An anti-corruption inspection refers detected bribers in the pool to discipline."""
        pop = self.world.pop
        in_race = np.flatnonzero((pop.delegate[: pop.n] >= RECOMMENDED) & self._bribes(np.arange(pop.n), state))
        detected = in_race[self.rng.random(len(in_race)) < self.cfg.inspection_detection]
        self.world.tally.add("bribers_detected", len(detected))
        state.counts["bribers_detected"] = state.counts.get("bribers_detected", 0) + len(detected)
        self.world.mechanisms["discipline"].refer(detected, "bribery", day)

    def conference(self, day: int, state: CycleState, level: int) -> None:
        """Delegate conference at one level: ex officio first, then recommended members by weight."""
        world, pop, orgs = self.world, self.world.pop, self.world.orgs
        c = state.cycle
        last = level == len(c.conferences) - 1
        if level == 0:
            self._choose_ex_officio(day, state)
        scope = orgs.county if c.conferences[level].level == "county" else orgs.province
        ids = self._candidates(pop.delegate[: pop.n] == state.stage)
        group = scope[orgs.county[pop.cell[ids]]]
        slots = np.bincount(scope[np.flatnonzero(state.slots)], weights=state.slots[state.slots > 0], minlength=orgs.n)
        k = slots if last else np.ceil(slots * c.conferences[level].shortlist_factor)
        chosen = ids[weighted_top_k(self.rng, group, self.weights(ids, state), k.astype(np.int64))]
        if world.invariants is not None:
            world.invariants.check_delegates(day, chosen)
        in_race = pop.delegate[: pop.n]
        in_race[in_race == state.stage] = 0  # those not passed on leave the race
        state.stage += 1
        pop.delegate[chosen] = SELECTED if last else state.stage
        world.events.log(day, "conference", orgs=np.flatnonzero(slots), cause=c.conferences[level].level)
        if last:
            pop.delegate_route[chosen] = self._route(chosen, state)
            self.selected += len(chosen)
            world.tally.add("delegates_chosen", len(chosen))
            world.events.log(
                day,
                "delegate",
                chosen,
                pop.cell[chosen],
                cause=c.name,
                level=np.asarray(ROUTES, dtype=object)[pop.delegate_route[chosen]],
            )

    def _choose_ex_officio(self, day: int, state: CycleState) -> None:
        """Core cadres of each unit's party committee, highest rank and longest standing first."""
        pop, orgs = self.world.pop, self.world.orgs
        cadres = self._candidates(np.isin(pop.role[: pop.n], CADRE_ROLES))
        unit = orgs.county[pop.cell[cadres]]
        order = np.lexsort((pop.joined[cadres], -pop.role[cadres].astype(np.int64), unit))
        sorted_unit = unit[order]
        rank = np.arange(len(order)) - np.searchsorted(sorted_unit, sorted_unit, side="left")
        chosen = cadres[order[rank < state.ex_officio[sorted_unit]]]
        if self.world.invariants is not None:
            self.world.invariants.check_delegates(day, chosen)
        pop.delegate[chosen] = SELECTED
        pop.delegate_route[chosen] = ROUTE["ex_officio"]
        self.selected += len(chosen)
        state.counts["ex_officio_unfilled"] = int(state.ex_officio.sum() - len(chosen))
        self.world.tally.add("delegates_chosen", len(chosen))
        self.world.events.log(day, "delegate", chosen, pop.cell[chosen], cause=state.cycle.name, level="ex_officio")

    def _route(self, ids: np.ndarray, state: CycleState) -> np.ndarray:
        """Why a delegate got in: bribery, else ties, else achievement, else ordinary recommendation."""
        route = np.full(len(ids), ROUTE["ordinary"], dtype=np.int8)
        route[self.world.pop.achiever[ids]] = ROUTE["achievers"]
        route[self._tied(ids, state)] = ROUTE["ties"]
        route[self._bribes(ids, state)] = ROUTE["bribery"]
        return route

    def open_congress(self, day: int, state: CycleState) -> None:
        """The Congress opens with the delegates still in the party; the cycle's figures are kept."""
        world, pop = self.world, self.world.pop
        c = state.cycle
        delegates = np.flatnonzero((pop.delegate[: pop.n] == SELECTED) & ACTIVE[pop.status[: pop.n]])
        route = np.bincount(pop.delegate_route[delegates], minlength=len(ROUTES))
        elected = len(delegates) - int(route[ROUTE["ex_officio"]])
        self.reports.append(
            {
                "name": c.name,
                "announce": str(c.announce),
                "assemblies_open": str(c.assemblies_open),
                "assemblies_close": str(c.assemblies_close),
                "report_deadline": str(c.report_deadline),
                "inspection": str(c.inspection) if c.inspection else None,
                "conferences": [
                    {"level": conf.level, "name": self.level_names[conf.level], "date": str(conf.date)}
                    for conf in c.conferences
                ],
                "congress": str(c.congress),
                "assemblies": state.counts["assemblies"],
                "recommended": self.pool,
                "slots_total": int(state.slots.sum()),
                "delegates_selected": len(delegates),
                "ex_officio": int(route[ROUTE["ex_officio"]]),
                "ex_officio_unfilled": state.counts.get("ex_officio_unfilled", 0),
                "by_route": {name: int(route[code]) for code, name in enumerate(ROUTES) if code},
                "by_sector": {
                    name: int(n) for name, n in zip(SECTORS, np.bincount(pop.sector[delegates], minlength=len(SECTORS)))
                },
                "women": int(pop.female[delegates].sum()),
                "distorted_share": float((route[ROUTE["ties"]] + route[ROUTE["bribery"]]) / elected)
                if elected
                else 0.0,
                "units_late": state.counts["units_late"],
                "bribers": state.counts["bribers"],
                "bribers_detected": state.counts.get("bribers_detected", 0),
            }
        )
        world.tally.add("congresses_held", 1)
        world.events.log(day, "congress_opened", delegates, pop.cell[delegates], cause=c.name)
        pop.delegate[: pop.n] = 0
        self.pool = self.selected = 0

    def summary(self, timeseries) -> dict:
        return {"congress": self.reports, "organization_levels": self.level_names} if self.reports else {}
