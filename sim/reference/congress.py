"""The Congress cycle in the reference model (DNK).

At the announcement bribers decide and cadres' tie groups are noted; every
cell's general assembly, on a day of the window, recommends members by
weighted sampling (unless its report is late); at the deadline the
county/city committees are scored and the slots apportioned; ex-officio
cadres are chosen first, then conferences (county/city, province) shortlist
and select by weight. Delegate routes are attributed (bribery, ties,
achievers, ordinary). Mirrors ``sim.mechanisms.congress``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Generator
from functools import partial

from sim.model.roles import CADRE_ROLES, Role
from sim.reference.discipline import DisciplineRules
from sim.reference.people import Cell, Member
from sim.scenario import Scenario
from sim.scenario.sections import CongressCycle


def weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """``k`` items drawn one after another without replacement, each in proportion to its weight.

    Items of weight 0 are never drawn (so fewer than ``k`` may come back).
    """
    pool = [(item, w) for item, w in zip(items, weights) if w > 0]
    chosen: list = []
    while pool and len(chosen) < k:
        x = rng.random() * sum(w for _, w in pool)
        j = 0
        while j < len(pool) - 1 and x >= pool[j][1]:
            x -= pool[j][1]
            j += 1
        chosen.append(pool.pop(j)[0])
    return chosen


def largest_remainder(votes: dict[int, float], seats: int) -> dict[int, int]:
    """Hamilton's method: integer parts of the quotas, then the largest remainders."""
    total = sum(votes.values())
    if seats <= 0 or total <= 0:
        return dict.fromkeys(votes, 0)
    quota = {unit: v * seats / total for unit, v in votes.items()}
    result = {unit: math.floor(q) for unit, q in quota.items()}
    by_remainder = sorted(votes, key=lambda u: (-(quota[u] - result[u]), -votes[u], u))
    for unit in by_remainder[: seats - sum(result.values())]:
        result[unit] += 1
    return result


def sainte_lague(votes: dict[int, float], seats: int) -> dict[int, int]:
    """Webster's method as highest averages: each seat goes to the largest votes / (2 s + 1)."""
    result = dict.fromkeys(votes, 0)
    if sum(votes.values()) <= 0:
        return result
    for _ in range(seats):
        best = max(votes, key=lambda u: (votes[u] / (2 * result[u] + 1), -u))
        result[best] += 1
    return result


APPORTIONMENT = {"largest_remainder": largest_remainder, "sainte_lague": sainte_lague}


class CongressRules(DisciplineRules):
    """One process per Congress cycle: announcement, assemblies, deadline, inspection, conferences, opening."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(scenario, seed)
        self.congress_reports: list[dict] = []
        # The Congress race in progress (reset at each announcement and opening).
        self.race = {"pool": 0, "selected": 0}
        self.bribers: set[Member] = set()
        self.cadre_ties: set[tuple[int, int]] = set()
        self.slots: dict[int, int] = {}
        self.ex_officio: dict[int, int] = {}

    def congress_cycle(self, cycle: CongressCycle) -> Generator:
        """Announcement, assemblies, deadline, inspection, conferences, Congress (DNK)."""
        day_of = self.cal.day
        steps: list[tuple[int, int, Callable[[CongressCycle], None]]] = [
            (day_of(cycle.announce), 0, self.announce),
            (day_of(cycle.report_deadline), 1, self.close_reports),
        ]
        if cycle.inspection is not None:
            steps.append((day_of(cycle.inspection), 2, self.inspect))
        for level, conference in enumerate(cycle.conferences):
            steps.append((day_of(conference.date), 3 + level, partial(self.conference, level=level)))
        steps.append((day_of(cycle.congress), 9, self.open_congress))
        for day, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
            yield self.wait_until(day)
            step(cycle)

    def announce(self, cycle: CongressCycle) -> None:
        cfg = self.scenario.congress
        self.bribers = {
            m
            for m in self.members
            if m.active and m.wealth >= cfg.bribe_price and self.rng.random() < cfg.bribe_propensity
        }
        # Favouritism flows from the unit committee's core cadres, its political department (DNK).
        self.cadre_ties = {
            (m.cell.county, m.ties_group) for m in self.members if m.active and m.role == Role.COUNTY_CADRE
        }
        for member in self.members:
            member.race_stage, member.delegate_route = 0, None
        self.race = {"pool": 0, "selected": 0}
        first, last = self.cal.day(cycle.assemblies_open), self.cal.day(cycle.assemblies_close)
        for cell in self.cells.values():
            late = self.rng.random() < cfg.late_report_probability
            self.env.process(self.assembly(cell, self.rng.randint(first, last), late))

    def eligible(self, member: Member) -> bool:
        level = member.punishment.level if member.punishment else 0
        return member.active and level <= self.delegates_allowed

    def weight(self, member: Member) -> float:
        """Selection weight: loyalty, achievement, office, sex, sector, ties to a cadre, a bribe."""
        w = self.scenario.congress.selection
        weight = member.sincerity**w.sincerity
        weight *= w.achiever if member.achiever else 1.0
        weight *= w.female if member.female else 1.0
        weight *= w.sectors.get(self.sector(member), 1.0)
        weight *= w.office if member.role >= self.party_office else 1.0
        weight *= 1 + w.ties * self.tied(member)
        weight *= 1 + w.bribery * (member in self.bribers)
        return weight

    def tied(self, member: Member) -> bool:
        return (member.cell.county, member.ties_group) in self.cadre_ties

    def assembly(self, cell: Cell, day: int, late: bool) -> Generator:
        """The cell's general assembly recommends members; a late report is not counted."""
        yield self.wait_until(day)
        self.tally["assemblies_held"] += 1
        if late:
            return
        candidates = [m for m in cell.members if self.eligible(m)]
        chosen = weighted_sample(
            self.rng, candidates, [self.weight(m) for m in candidates], self.scenario.congress.recommendations_per_cell
        )
        for member in chosen:
            member.race_stage = 1
        self.race["pool"] += len(chosen)
        self.tally["recommendations"] += len(chosen)

    def close_reports(self, cycle: CongressCycle) -> None:
        """Units (county/city committees) are scored on fighting power and ideology; slots follow."""
        sw, cfg = self.scenario.congress.score_weights, self.scenario.congress
        by_county: dict[int, list[Member]] = {}
        for m in self.members:
            if m.active:
                by_county.setdefault(m.cell.county, []).append(m)
        votes = {}
        for county, ms in by_county.items():
            n = len(ms)
            score = math.exp(
                sw.achievement * sum(m.achiever for m in ms) / n
                + sw.sincerity * sum(m.sincerity for m in ms) / n
                + sw.punished * sum(m.punishment is not None for m in ms) / n
            )
            votes[county] = n * score
        apportion = APPORTIONMENT[cfg.apportionment]
        self.slots = apportion(votes, cycle.delegates_total)
        self.ex_officio = apportion(votes, cycle.ex_officio_total)

    def inspect(self, cycle: CongressCycle) -> None:
        """Bribers in the race are detected and referred for bribery."""
        for member in self.members:
            if (
                member.race_stage > 0
                and member in self.bribers
                and self.rng.random() < self.scenario.congress.inspection_detection
            ):
                self.tally["bribers_detected"] += 1
                self.refer(member, "bribery")

    def conference(self, cycle: CongressCycle, level: int) -> None:
        """Ex-officio cadres first (at the first level), then a weighted choice among those still in the race."""
        if level == 0:
            self.choose_ex_officio()
        conference = cycle.conferences[level]
        last = level == len(cycle.conferences) - 1
        scope = (lambda cell: cell.county) if conference.level == "county" else (lambda cell: cell.province)
        cell_of_county = {cell.county: cell for cell in self.cells.values()}
        slots: Counter = Counter()
        for county, n in self.slots.items():
            slots[scope(cell_of_county[county])] += n
        stage = level + 1
        racers: dict[int, list[Member]] = {}
        for m in self.members:
            if m.race_stage == stage:
                m.race_stage = 0
                if self.eligible(m):
                    racers.setdefault(scope(m.cell), []).append(m)
        for unit, ms in racers.items():
            k = slots[unit] if last else math.ceil(slots[unit] * conference.shortlist_factor)
            for member in weighted_sample(self.rng, ms, [self.weight(m) for m in ms], k):
                if last:
                    member.race_stage, member.delegate_route = -1, self.route(member)
                    self.race["selected"] += 1
                else:
                    member.race_stage = stage + 1

    def choose_ex_officio(self) -> None:
        """Core cadres of each unit's committee, highest office and longest standing first."""
        by_county: dict[int, list[Member]] = {}
        for m in self.members:
            if m.role in CADRE_ROLES and self.eligible(m):
                by_county.setdefault(m.cell.county, []).append(m)
        for county, cadres in by_county.items():
            cadres.sort(key=lambda m: (-m.role, m.joined))
            for member in cadres[: self.ex_officio.get(county, 0)]:
                member.race_stage, member.delegate_route = -1, "ex_officio"
                self.race["selected"] += 1

    def route(self, member: Member) -> str:
        """The lever that acted, in the engine's order (a trait the selection does not weigh is no route)."""
        w = self.scenario.congress.selection
        if w.bribery > 0 and member in self.bribers:
            return "bribery"
        if w.ties > 0 and self.tied(member):
            return "ties"
        return "achievers" if w.achiever != 1 and member.achiever else "ordinary"

    def open_congress(self, cycle: CongressCycle) -> None:
        delegates = [m for m in self.members if m.race_stage == -1 and m.active]
        self.congress_reports.append(
            {
                "name": cycle.name,
                "recommended": self.race["pool"],
                "delegates_selected": len(delegates),
                "by_route": dict(Counter(m.delegate_route for m in delegates)),
            }
        )
        for member in self.members:
            member.race_stage, member.delegate_route = 0, None
        self.race = {"pool": 0, "selected": 0}
