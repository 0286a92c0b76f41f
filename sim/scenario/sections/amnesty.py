"""Amnesty orders that lift punishments ahead of a Congress."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sim.scenario.sections.base import MechanismSection, Section
from sim.scenario.sections.discipline import LiftableLevelName

#: The levels an amnesty order lifts unless it says otherwise: "warnings and severe warnings"
#: (source: Daily NK on the army's pre-Congress assemblies).
DEFAULT_LEVELS: tuple[LiftableLevelName, ...] = ("warning", "severe_warning")


class AmnestyOrder(Section):
    """An order to lift punishments (source: lift the punishments of members censured for insincerity)."""

    date: dt.date = Field(description="Day the order comes down.")
    causes: list[str] = Field(
        default_factory=lambda: ["insincerity"], description="Causes whose punishments are lifted."
    )
    levels: list[LiftableLevelName] = Field(default_factory=lambda: list(DEFAULT_LEVELS), description="Levels lifted.")
    educate_causes: list[str] = Field(
        default_factory=lambda: ["desertion", "absence_without_leave", "lax_discipline", "anti_socialist"],
        description="Causes whose punished members get ideological education instead ('reward with loyalty'), not lifting.",
    )
    education_effect: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of the gap to full sincerity closed by the education that comes with the order.",
    )


class AmnestySection(MechanismSection):
    """Amnesty orders before a Congress."""

    orders: list[AmnestyOrder] = Field(default_factory=list, description="Orders in date order.")
