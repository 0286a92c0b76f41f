"""Attrition in the reference model: each week a member may die, retire or be transferred out.

The same weekly tick carries the week's offences (``DisciplineRules.offences``)
before the member may leave, as the engine's weekly hazards do.
Mirrors ``sim.mechanisms.attrition``.
"""

from __future__ import annotations

import math
from collections.abc import Generator

from sim.model.founding import DAYS_PER_YEAR
from sim.model.population import Status
from sim.reference.discipline import DisciplineRules
from sim.reference.people import WEEK, Member


class AttritionRules(DisciplineRules):
    """One weekly process per active member: offences, then death, retirement or transfer out."""

    def weekly_hazards(self, member: Member) -> Generator:
        """Every week (days 0, 7, 14...) while active: offences of each cause, then leaving."""
        a, discipline = self.scenario.attrition, self.scenario.discipline.enabled
        reasons = {"death": a.death_rate, "retirement": a.retirement_rate, "transfer_out": a.transfer_out_rate}
        total = sum(reasons.values()) if a.enabled else 0.0
        p_leave = 1 - math.exp(-total * WEEK / DAYS_PER_YEAR)
        yield self.wait_until(-(-self.now() // WEEK) * WEEK)
        while member.active:
            if discipline:
                self.offences(member)
            if total > 0 and self.rng.random() < p_leave:
                reason = self.rng.choices(list(reasons), weights=list(reasons.values()))[0]
                self.tally[f"exits_{reason}"] += 1
                self.move(member, Status.EXITED)
                return
            yield self.env.timeout(WEEK)
