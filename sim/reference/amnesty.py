"""Amnesty orders in the reference model (DNK: "lift the punishments" of members censured for insincerity, "warnings and severe warnings").

An order lifts the configured causes and levels and educates the members
punished for the other named causes. Mirrors ``sim.mechanisms.amnesty``.
"""

from __future__ import annotations

from collections.abc import Generator

from sim.model import ladder
from sim.reference.discipline import DisciplineRules


class AmnestyRules(DisciplineRules):
    """One process per amnesty order, acting on its date."""

    def amnesty(self, index: int) -> Generator:
        """Lift the punishments of the order's causes and levels; educate the others named (DNK)."""
        order = self.scenario.amnesty.orders[index]
        yield self.wait_until(self.cal.day(order.date))
        levels = {ladder.code(level) for level in order.levels if level != "none"}
        for member in self.members:
            p = member.punishment
            if member.active and p is not None and p.cause in order.causes and p.level in levels:
                self.lift(member, order.education_effect)
                member.amnestied = True
                self.tally["amnestied"] += 1
        for member in self.members:
            p = member.punishment
            if member.active and p is not None and p.cause in order.educate_causes:
                member.sincerity += order.education_effect * (1 - member.sincerity)
                self.tally["educated"] += 1
