"""Everything a mechanism may read or change during a run, in one object."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.calendar import Calendar
from sim.model.cohorts import Buckets, meeting_buckets
from sim.model.invariants import Invariants
from sim.model.member_index import MemberIndex
from sim.model.organizations import Organizations
from sim.model.population import Population
from sim.model.roles import Role
from sim.model.sectors import office_role, sector_of
from sim.model.streams import stream
from sim.model.tally import EventLog, Tally
from sim.scenario import Scenario


@dataclass
class World:
    """The state of one run: scenario, calendar, member and organization tables, counters."""

    scenario: Scenario
    seed: int
    calendar: Calendar
    pop: Population
    orgs: Organizations
    tally: Tally
    events: EventLog
    #: The run's mechanisms by name, for the few that hand work to another
    #: (critique refers members to discipline; the Congress orders amnesties).
    mechanisms: dict = field(default_factory=dict)
    #: Living organizations by the day of month they meet (shared by every mechanism
    #: that acts at meetings).
    meeting_days: Buckets = field(init=False)
    #: Open members by unit (elections, re-organization and critique act on the members of some units).
    members: MemberIndex = field(init=False)
    #: The run's invariant checks, or None with --no-checks.
    invariants: Invariants | None = None

    #: The lowest office whose holders count as party and political workers (sim.model.sectors).
    party_office: Role = field(init=False)

    def __post_init__(self) -> None:
        self.meeting_days = meeting_buckets(self.orgs)
        self.members = MemberIndex(self.pop)
        self.party_office = office_role(self.scenario.organization)

    def move(self, ids: np.ndarray, new_cells: np.ndarray, day: int) -> None:
        """Move members to other cells with their records: the member index follows, and an application
        not yet reviewed goes to the new cell (``Membership.moved``), whoever moves them."""
        self.pop.move(ids, new_cells)
        self.members.moved(ids)
        membership = self.mechanisms.get("membership")
        if membership is not None:
            membership.moved(ids, day)

    def sectors(self, ids: np.ndarray) -> np.ndarray:
        """Sector codes of members ``ids`` today: their unit's type, or party work for office holders."""
        return sector_of(self.pop, self.orgs, ids, self.party_office)

    def rng(self, name: str) -> np.random.Generator:
        """The random stream of mechanism ``name`` (see sim.model.streams)."""
        return stream(self.seed, name)
