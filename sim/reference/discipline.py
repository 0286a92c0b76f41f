"""Discipline in the reference model: offences, cases, the ladder, lifting, recommenders' liability.

* Offences (DNK names the causes): each week, for each cause with a rate, a
  member offends with the rate's weekly probability, scaled by the sector and
  (for cell secretaries and above) the cadre modifier.
* Discipline: a member has at most one pending case; it is taken up at the
  next meeting of their cell, which convicts with ``conviction_probability``
  at the cause's level, or one step above a standing punishment; expulsion
  waits for the county/city committee's ratification, and a refused one
  becomes probation; probation demotes a full member to candidate; a
  standing punishment is lifted at the first cell meeting after its
  good-conduct period, with ideological education (sincerity); recommenders
  of a member expelled within ``liability_years`` of admission are referred
  (BPO: they "bear responsibility before the party").

Mirrors ``sim.mechanisms.discipline``.
"""

from __future__ import annotations

import math
from collections.abc import Generator

from sim.model import ladder
from sim.model.founding import DAYS_PER_YEAR
from sim.model.population import Status
from sim.model.roles import Role
from sim.model.sectors import SECTORS
from sim.reference.meetings import meeting_on_or_after
from sim.reference.people import WEEK, Member, Punishment
from sim.reference.state import ReferenceState
from sim.scenario import Scenario

LIABILITY = "recommender_liability"
EXPULSION = ladder.code("expulsion")
PROBATION = ladder.code("probation")
REMOVAL = ladder.code("removal_from_post")


class DisciplineRules(ReferenceState):
    """Referral, judgement at the cell meeting, the punishment ladder and its lifting."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(scenario, seed)
        d = scenario.discipline
        self.lift_days = {ladder.code(level): getattr(d.lift_after_days, level) for level in ladder.STANDING_LEVELS}
        self.first_level = {name: ladder.code(spec.level) for name, spec in d.causes.items()}
        self.first_level[LIABILITY] = ladder.code(d.liability_level)
        #: Weekly offence probability of each rate-based cause, by (sector, holds a post).
        self.weekly_offences = {
            (sector, cadre): [
                (
                    cause,
                    1
                    - math.exp(
                        -spec.rate_per_year
                        * spec.sector_modifiers.get(sector, 1.0)
                        * (spec.cadre_modifier if cadre else 1.0)
                        * WEEK
                        / DAYS_PER_YEAR
                    ),
                )
                for cause, spec in d.causes.items()
                if not spec.from_critique and spec.rate_per_year > 0
            ]
            for sector in SECTORS
            for cadre in (False, True)
        }
        self.roles_allowed = 0 if d.roles_allowed_up_to == "none" else ladder.code(d.roles_allowed_up_to)
        self.delegates_allowed = 0 if d.delegates_allowed_up_to == "none" else ladder.code(d.delegates_allowed_up_to)

    def offences(self, member: Member) -> None:
        """This week's rate-based offences; the first one referred blocks the others (one case at a time)."""
        for cause, p in self.weekly_offences[(self.sector(member), member.role >= Role.CELL_SECRETARY)]:
            if self.rng.random() < p:
                self.refer(member, cause)

    def refer(self, member: Member, cause: str) -> None:
        """Open a case, taken up at the next meeting of the member's cell (one pending case at most)."""
        if not member.active or member.case_pending or not self.scenario.discipline.enabled:
            return
        member.case_pending = True
        self.tally["referrals"] += 1
        self.env.process(self.case(member, cause))

    def case(self, member: Member, cause: str) -> Generator:
        d, rng = self.scenario.discipline, self.rng
        yield self.wait_until(meeting_on_or_after(self.cal, self.now() + 1, member.cell.meeting_day))
        if not member.active:
            return
        if rng.random() >= d.conviction_probability:
            member.case_pending = False
            return
        level = self.first_level[cause]
        held = member.punishment.level if member.punishment else 0
        if d.escalate_repeat and held > 0:
            level = max(level, held + 1)
        level = min(level, EXPULSION)
        if level < ladder.code(d.ratified_from):
            member.case_pending = False
            self.punish(member, level, cause)
            return
        # A heavier punishment waits for the county/city committee's ratification.
        yield self.env.timeout(rng.randint(1, d.ratification_days))
        member.case_pending = False
        if not member.active:
            return
        p = d.expulsion_ratify_probability if level == EXPULSION else d.ratify_probability
        if rng.random() >= p:
            self.tally["expulsions_not_ratified" if level == EXPULSION else "punishments_not_ratified"] += 1
            self.punish(member, level - 1, cause)
            return
        if level < EXPULSION:
            self.punish(member, level, cause)
            return
        self.expel(member, cause)

    def count_issued(self, level: int, cause: str) -> None:
        self.tally["punishments_issued"] += 1
        self.tally[f"issued_{ladder.LEVELS[level - 1]}"] += 1
        self.tally[f"issued_{cause}"] += 1

    def punish(self, member: Member, level: int, cause: str) -> None:
        """A standing punishment; probation demotes a full member; lifted after good conduct."""
        day = self.now()
        self.count_issued(level, cause)
        lift_day = meeting_on_or_after(self.cal, day + self.lift_days[level], member.cell.meeting_day)
        punishment = Punishment(level, cause, day, lift_day)
        self.set_punishment(member, punishment)
        member.amnestied = False
        if level == REMOVAL or level > self.roles_allowed:
            member.role = Role.NONE
        if level == PROBATION and member.status == Status.FULL:
            self.move(member, Status.DEMOTED)
        self.env.process(self.lifting(member, punishment))

    def lifting(self, member: Member, punishment: Punishment) -> Generator:
        yield self.wait_until(punishment.lift_day)
        if member.active and member.punishment is punishment:  # not replaced, not lifted by amnesty
            self.lift(member, self.scenario.discipline.education_effect)

    def lift(self, member: Member, education: float) -> None:
        """Lift the standing punishment; a demoted member is restored; education raises sincerity."""
        assert member.punishment is not None  # both callers lift only a member who stands punished
        self.tally["punishments_lifted"] += 1
        self.tally[f"lifted_{member.punishment.cause}"] += 1
        self.set_punishment(member, None)
        if member.status == Status.DEMOTED:
            self.move(member, Status.FULL)
        member.sincerity += education * (1 - member.sincerity)

    def expel(self, member: Member, cause: str) -> None:
        """A ratified expulsion; recommenders of a recent recruit answer for their letter (BPO)."""
        d, day = self.scenario.discipline, self.now()
        self.count_issued(EXPULSION, cause)
        admitted = member.candidate_since if member.status == Status.CANDIDATE else member.joined
        self.set_punishment(member, None)
        member.role = Role.NONE
        self.move(member, Status.EXPELLED)
        if member.applied is not None and day - admitted <= d.liability_years * DAYS_PER_YEAR:
            for recommender in member.recommenders:
                if self.rng.random() < d.liability_probability:
                    self.tally["liability_referrals"] += 1
                    self.refer(recommender, LIABILITY)
