"""The pre-Congress cycle: assemblies, conferences, scores, selection and the Congress."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.sections.base import MechanismSection, Section, SectorFactor
from sim.scenario.sections.population import SectorShares


class ConferenceSpec(Section):
    """One level of the delegate conferences (county/city -> provincial; army: unit -> corps)."""

    level: Literal["county", "province"] = Field(
        description="Scope of the conference: each county/city committee (army: unit) or each province (army: corps)."
    )
    date: dt.date = Field(description="Day of the conferences at this level.")
    shortlist_factor: float = Field(
        2.0,
        ge=1,
        le=100,
        description="Members passed on to the next level per final delegate slot (ignored at the last level).",
    )


class CongressCycle(Section):
    """The timeline of one Congress, from announcement to opening (source: pre-Congress text)."""

    name: str = Field(description="Congress name, e.g. 8th.")
    announce: dt.date = Field(
        description="The Congress is announced; unit political departments start to 'set their eyes' on members."
    )
    assemblies_open: dt.date = Field(description="First day of the general assemblies of cells and branches.")
    assemblies_close: dt.date = Field(description="Last day of the general assemblies.")
    report_deadline: dt.date = Field(
        description="Units report their decisions to the organization department above by this day."
    )
    inspection: dt.date | None = Field(
        None, description="Day of an anti-corruption inspection of the delegate pool (none if omitted)."
    )
    conferences: list[ConferenceSpec] = Field(
        min_length=1, description="Delegate conferences in order, county/city level first."
    )
    congress: dt.date = Field(description="Opening day of the Congress.")
    delegates_total: int = Field(
        ge=1, le=1_000_000, description="Elected delegates (slots apportioned to units by score)."
    )
    ex_officio_total: int = Field(
        0,
        ge=0,
        le=100_000,
        description="Ex-officio participants: core cadres of the units' party committees, chosen before ordinary members.",
    )

    @model_validator(mode="after")
    def _in_order(self) -> CongressCycle:
        steps = [
            ("announce", self.announce),
            ("assemblies_open", self.assemblies_open),
            ("assemblies_close", self.assemblies_close),
            ("report_deadline", self.report_deadline),
        ]
        steps += [(f"conferences.{i}.date", c.date) for i, c in enumerate(self.conferences)]
        steps += [("congress", self.congress)]
        for (prev_name, prev), (name, date) in itertools.pairwise(steps):
            if date < prev:
                raise ValueError(f"{name} on or after {prev_name} ({prev}), found {date}")
        if self.inspection is not None and not self.announce <= self.inspection <= self.conferences[-1].date:
            raise ValueError(f"inspection between announce and the last conference, found {self.inspection}")
        levels = [c.level for c in self.conferences]
        if levels != sorted(levels, key=["county", "province"].index) or len(set(levels)) != len(levels):
            raise ValueError(f"conferences ordered county then province, each once, found {levels}")
        return self


class SelectionWeights(Section):
    """How strongly each trait raises a member's chance to be recommended and selected.

    The weights multiply; their bounds keep the product finite, so that weighted selection ranks members.
    """

    achiever: float = Field(
        5.0,
        ge=0,
        le=1000,
        description="Weight multiplier for members credited in a campaign (source: achievers are prioritized).",
    )
    ties: float = Field(
        3.0,
        ge=0,
        le=1000,
        description="Favouritism: extra weight (added to 1) for members sharing a tie group with a cadre of their unit (blood, friend, teacher, school).",
    )
    bribery: float = Field(4.0, ge=0, le=1000, description="Extra weight (added to 1) for members who pay a bribe.")
    sincerity: float = Field(
        1.0, ge=0, le=100, description="Exponent on sincerity (loyal members are recommended more)."
    )
    female: float = Field(1.0, ge=0, le=1000, description="Weight multiplier for women.")
    sectors: dict[str, SectorFactor] = Field(
        default_factory=dict, description="Weight multiplier by sector (sector name -> factor, 0..100)."
    )

    @model_validator(mode="after")
    def _known_sectors(self) -> SelectionWeights:
        unknown = sorted(set(self.sectors) - set(SectorShares.model_fields))
        if unknown:
            raise ValueError(f"sector names among {sorted(SectorShares.model_fields)}, found {unknown}")
        return self


class ScoreWeights(Section):
    """Unit score = exp(sum of weight x unit aggregate): 'fighting power' and 'ideology'.

    The aggregates are shares (0..1), so weights within +-100 keep the score a finite number.
    """

    achievement: float = Field(
        2.0, ge=-100, le=100, description="Weight of the unit's share of achievers (fighting power)."
    )
    sincerity: float = Field(2.0, ge=-100, le=100, description="Weight of the unit's mean sincerity (ideology).")
    punished: float = Field(-4.0, ge=-100, le=100, description="Weight of the unit's share of punished members.")


class CongressSection(MechanismSection):
    """The pre-Congress cycle: assemblies, unit scores, delegate slots, selection and its distortions."""

    enabled: bool = Field(False, description="Run the pre-Congress cycles listed in `cycles`.")
    cycles: list[CongressCycle] = Field(
        default_factory=list, description="Congress cycles inside the run, in date order."
    )
    recommendations_per_cell: int = Field(
        1, ge=1, le=30, description="Members each cell's general assembly recommends as delegate candidates."
    )
    late_report_probability: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Probability a cell's report misses the deadline; its recommendations are then not counted.",
    )
    apportionment: Literal["largest_remainder", "sainte_lague"] = Field(
        "largest_remainder", description="How slots are apportioned to units by score-weighted membership."
    )
    score_weights: ScoreWeights = Field(default_factory=ScoreWeights)
    selection: SelectionWeights = Field(default_factory=SelectionWeights)
    bribe_propensity: float = Field(
        0.02, ge=0, le=1, description="Probability a member who can afford it pays a bribe to get in."
    )
    bribe_price: float = Field(
        2.0, ge=0, le=1_000_000, description="Means needed to bribe (relative to the median wealth of 1)."
    )
    inspection_detection: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Probability an inspection detects a briber, who is referred for discipline (cause bribery).",
    )

    @model_validator(mode="after")
    def _cycles_in_order(self) -> CongressSection:
        for i, (prev, cycle) in enumerate(zip(self.cycles, self.cycles[1:]), start=1):
            if cycle.announce <= prev.congress:
                raise ValueError(
                    f"cycle {i} announced after cycle {i - 1}'s Congress ({prev.congress}), found {cycle.announce}"
                )
        return self
