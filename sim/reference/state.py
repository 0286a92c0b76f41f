"""The reference model's state and bookkeeping, shared by every rule.

A run is one ``simpy.Environment`` in which every member and cell has
processes of their own; the rules (``membership``, ``attrition``,
``critique``, ``discipline``, ``campaigns``, ``amnesty``, ``congress``) are
mixins over this state, composed in ``sim.reference.model``. Stocks, flows
and tallies are kept as counters so that a row of the time series is read
off them without walking the members.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import simpy

from sim.model.calendar import Calendar
from sim.model.population import Status
from sim.model.sectors import office_role
from sim.reference.people import Cell, Member, Punishment
from sim.scenario import Scenario


class ReferenceState:
    """The members, cells, clock, random draws and counters of one reference run."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        self.rng = random.Random(self.seed)
        self.poisson = np.random.default_rng([self.seed, 1]).poisson
        self.cal = Calendar(scenario.start, scenario.duration_span)
        self.env = simpy.Environment()
        self.members: list[Member] = []
        self.cells: dict[int, Cell] = {}
        self.stock: Counter = Counter()  # persons by status
        self.punished: Counter = Counter()  # active members by standing punishment level
        self.flows: Counter = Counter()  # (from, to) status changes since the last row
        self.tally: Counter = Counter()  # other counts since the last row
        self.events_processed = 0
        self.party_office = office_role(scenario.organization)

    def now(self) -> int:
        return int(self.env.now)

    def sector(self, member: Member) -> str:
        """The member's sector: their cell's type, or party work for a holder of party office (sim.model.sectors)."""
        if member.role >= self.party_office:
            return "party_political"
        return member.cell.type

    def wait_until(self, day: int) -> simpy.Timeout:
        return self.env.timeout(max(day - self.env.now, 0))

    def move(self, member: Member, to: Status) -> None:
        """Change a member's status, keeping the stocks and the flows."""
        was_active = member.active
        self.stock[member.status] -= 1
        self.stock[to] += 1
        self.flows[(member.status, to)] += 1
        member.status = to
        if was_active and not member.active and member.punishment is not None:
            self.punished[member.punishment.level] -= 1

    def set_punishment(self, member: Member, punishment: Punishment | None) -> None:
        if member.punishment is not None:
            self.punished[member.punishment.level] -= 1
        member.punishment = punishment
        if punishment is not None:
            self.punished[punishment.level] += 1
