"""The people and cells of the reference model: one Python object each.

The per-member oracle keeps every member as an object (``Member``) in the
cell they belong to (``Cell``), with the standing punishment they carry
(``Punishment``). Statuses are the engine's (``sim.model.population.Status``)
so that stocks and flows are named alike in both models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.population import Status
from sim.model.roles import Role

WEEK = 7
#: Members and candidates in the party (a demoted member is a candidate again, still a member).
ACTIVE_STATUSES = frozenset({Status.CANDIDATE, Status.FULL, Status.DEMOTED})


@dataclass
class Punishment:
    """A standing punishment: its rung on the ladder, why, when, and the meeting that lifts it."""

    level: int
    cause: str
    day: int
    lift_day: int


@dataclass(eq=False)
class Member:
    """One person, from application to leaving the party."""

    id: int
    status: Status
    cell: Cell
    joined: int = 0
    candidate_since: int = 0
    applied: int | None = None  # None: a founder (no application inside the run)
    extended: bool = False
    recommenders: tuple[Member, ...] = ()
    youth_league: bool = False
    female: bool = False
    sincerity: float = 0.8
    wealth: float = 1.0
    ties_group: int = 0
    role: int = Role.NONE
    achiever: bool = False
    punishment: Punishment | None = None
    case_pending: bool = False
    amnestied: bool = False
    race_stage: int = 0  # 0: not in the Congress race; k: passed k selection steps
    delegate_route: str | None = None  # set when selected

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(eq=False)
class Cell:
    """A party cell (or party team): where members apply, are critiqued, judged and recommended."""

    id: int
    meeting_day: int  # day of month (1..28) of the monthly meeting
    county: int
    province: int
    critique_every: int  # 7 (weekly) or 2 (every two days)
    critique_first: int  # first sim day of a critique session
    type: str = "field_labour"  # organization type: the sector its members count in
    members: list[Member] = field(default_factory=list)

    def active_members(self) -> list[Member]:
        return [m for m in self.members if m.active]
