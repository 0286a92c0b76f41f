"""Party Life Critique in the reference model (BPO: "once a week or every two days").

At each session of their cell a member attends with
``attendance_probability`` and is then referred for discipline (insincerity)
with ``referral_probability`` times (1 - sincerity).
Mirrors ``sim.mechanisms.critique``.
"""

from __future__ import annotations

from collections.abc import Generator

from sim.reference.discipline import DisciplineRules
from sim.reference.people import Cell

INSINCERITY = "insincerity"


class CritiqueRules(DisciplineRules):
    """One process per cell: its critique sessions on its cadence."""

    def critique_sessions(self, cell: Cell) -> Generator:
        """The cell's critique sessions, weekly or every two days (BPO)."""
        cfg = self.scenario.critique
        yield self.wait_until(cell.critique_first)
        while True:
            for member in cell.active_members():
                if self.rng.random() < cfg.attendance_probability and self.rng.random() < cfg.referral_probability * (
                    1 - member.sincerity
                ):
                    self.tally["critique_referrals"] += 1
                    self.refer(member, INSINCERITY)
            yield self.env.timeout(cell.critique_every)
