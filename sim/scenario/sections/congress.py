"""The pre-Congress cycle: assemblies, conferences, scores, selection and the Congress."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.sections.base import MechanismSection, Section, SectorFactor, SectorShares, check_sector_names


class ConferenceSpec(Section):
    """One tier of representative conferences, each electing delegates to the tier above.

    Source: shared/data/congresses.yaml ("how a Congress is prepared"): city/county conferences
    elect delegates to the provincial-level conferences; provincial-level conferences elect the
    Congress delegates and recommend observers. A tier *elects* among those the tier below sent
    (or, at the first tier, among the members the assemblies recommended); the selection weights
    act once at each tier on the same members, so a weight w gives a member about w**tiers the
    odds of a member without the trait, whatever the tier (say so when you calibrate).
    """

    level: Literal["county", "province"] = Field(
        description="Scope of the conference: each county/city committee (army: unit) or each provincial-level committee (army: corps)."
    )
    date: dt.date = Field(description="First day of this tier's conferences.")
    close: dt.date | None = Field(
        None,
        description="Last day of this tier's conferences (default: the same day as `date`). Each unit holds its conference on a "
        "day of the window spread by unit ('in accordance with conditions set by' each unit, army text), and never before "
        "the tier below has finished in its area.",
    )
    shortlist_factor: float = Field(
        2.0,
        ge=1,
        le=100,
        description="Delegates this tier elects to the tier above per final Congress slot of its area (ignored at the last tier, which elects the Congress delegates).",
    )

    @property
    def last_day(self) -> dt.date:
        return self.close or self.date

    @model_validator(mode="after")
    def _window(self) -> ConferenceSpec:
        if self.close is not None and self.close < self.date:
            raise ValueError(f"close on or after date ({self.date}), found {self.close}")
        return self


class Published(Section):
    """Published figures of a Congress, shown beside the model's (source: shared/data/congresses.yaml)."""

    source: str = Field(description="Where the figures come from (citation).")
    delegates_total: int | None = Field(None, ge=0, description="Delegates with voting rights, ex officio included.")
    delegates_elected: int | None = Field(None, ge=0, description="Elected (voting) delegates, ex officio excluded.")
    ex_officio: int | None = Field(
        None, ge=0, description="Ex-officio participants (members of the outgoing central leading bodies)."
    )
    observers: int | None = Field(None, ge=0, description="Observers (or delegates with advisory rights only).")
    women: int | None = Field(None, ge=0, description="Women among the delegates.")
    by_sector: dict[str, int] = Field(
        default_factory=dict,
        description="Delegates by sector (model sector name -> count), mapped by meaning from the report.",
    )

    @model_validator(mode="after")
    def _known_sectors(self) -> Published:
        check_sector_names(self.by_sector)
        return self


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
    credential_review: dt.date | None = Field(
        None,
        description="Day the Politburo reviews the delegates' credentials, shortly before the Congress (source: congresses.yaml, step 5); "
        "delegates then ineligible are struck. None: no review.",
    )
    congress: dt.date = Field(description="Opening day of the Congress.")
    observers_total: int = Field(
        0,
        ge=0,
        le=100_000,
        description="Observers recommended at the last tier among those it did not elect (source: the 8th Congress had 2,000); "
        "they never vote and are never counted as delegates.",
    )
    published: Published | None = Field(
        None, description="Published figures of this Congress, reported beside the model's."
    )
    delegates_total: int = Field(
        ge=1, le=1_000_000, description="Elected delegates (slots apportioned to units by score)."
    )
    ex_officio_total: int = Field(
        0,
        ge=0,
        le=100_000,
        description="Ex-officio participants when the section has no `central_committee`: core cadres of the units' party "
        "committees, chosen before ordinary members. With a `central_committee`, its members and alternates are the ex officio "
        "and this must be 0.",
    )

    @model_validator(mode="after")
    def _in_order(self) -> CongressCycle:
        steps = [
            ("announce", self.announce),
            ("assemblies_open", self.assemblies_open),
            ("assemblies_close", self.assemblies_close),
            ("report_deadline", self.report_deadline),
        ]
        # A tier's window may overlap the one below (each unit waits for its area, see ConferenceSpec).
        steps += [(f"conferences.{i}.date", c.date) for i, c in enumerate(self.conferences)]
        last = self.conferences[-1]
        if last.close is not None:
            steps += [(f"conferences.{len(self.conferences) - 1}.close", last.close)]
        if self.credential_review is not None:
            steps += [("credential_review", self.credential_review)]
        steps += [("congress", self.congress)]
        for (prev_name, prev), (name, date) in itertools.pairwise(steps):
            if date < prev:
                raise ValueError(f"{name} on or after {prev_name} ({prev}), found {date}")
        for i, (below, above) in enumerate(itertools.pairwise(self.conferences), start=1):
            if above.last_day <= below.last_day:
                raise ValueError(
                    f"conferences.{i} closing after the tier below closes ({below.last_day}), found {above.last_day}"
                )
        if self.inspection is not None and not self.announce <= self.inspection <= self.conferences[-1].last_day:
            raise ValueError(f"inspection between announce and the last conference, found {self.inspection}")
        levels = [c.level for c in self.conferences]
        if levels != sorted(levels, key=["county", "province"].index) or len(set(levels)) != len(levels):
            raise ValueError(f"conferences ordered county then province, each once, found {levels}")
        return self


class SelectionWeights(Section):
    """How strongly each trait raises a member's chance to be recommended and elected.

    The weights multiply; their bounds keep the product finite, so that weighted selection ranks members.
    Where they act: once at the assembly that recommends, and once more at each tier of conferences that
    elects (each tier draws its delegates among those the tier below sent, with the same weights). So
    with the assembly and two tiers a weight w acts about three times (close to w**3 on the odds when
    slots are scarce): refit the weights when the number of tiers changes. The unit score weights
    (``score_weights``) act elsewhere: only on the apportionment of quotas among units.
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
    office: float = Field(
        3.0,
        ge=0,
        le=1000,
        description="Weight multiplier for holders of party office (organization.party_office_from and up). Source: Pyongyang "
        "ordered units to 'prioritize political officers' and achievers in their recommendations (Daily NK); the size is an assumption.",
    )
    female: float = Field(
        1.0,
        ge=0,
        le=1000,
        description="Weight multiplier for women: a what-if lever (no source gives one); the share of women among delegates "
        "follows from who sits where and who holds office.",
    )
    sectors: dict[str, SectorFactor] = Field(
        default_factory=dict,
        description="Weight multiplier by sector (sector name -> factor, 0..100): a what-if lever, 1 for every sector by "
        "default; the delegates' sectors follow from the units' types and the offices.",
    )

    @model_validator(mode="after")
    def _known_sectors(self) -> SelectionWeights:
        check_sector_names(self.sectors)
        return self


class ScoreWeights(Section):
    """Unit score = exp(sum of weight x unit aggregate): 'fighting power' and 'ideology'.

    The aggregates are shares (0..1), so weights within +-100 keep the score a finite number.
    """

    achievement: float = Field(
        2.0, ge=-100, le=100, description="Weight of the unit's share of achievers (fighting power)."
    )
    sincerity: float = Field(2.0, ge=-100, le=100, description="Weight of the unit's mean sincerity (ideology).")
    punished: float = Field(
        -4.0, ge=-100, le=100, description="Weight of the unit's share of punished members (discipline record)."
    )
    exponent: float = Field(
        1.0,
        ge=0,
        le=50,
        description="Exponent on the score in apportionment: a unit's votes are members x score**exponent (0: by membership only). "
        "Assumption: the source says only that 'units that scored well received more slots'; the exponent sets how much more. "
        "It acts at every tier's apportionment, on the same unit scores.",
    )


class CentralCommittee(Section):
    """The outgoing central leading bodies, whose members take their Congress seats ex officio.

    Source: congresses.yaml — "ex officio participants are members of the outgoing central
    leading bodies, not local cadres"; the 8th Congress had 250. Members and alternates are
    chosen on day 0 among full members with the sex and sector shares given here (assumptions,
    fields of the scenario), cadres of the county/city committees and longest standing first.
    """

    members: int = Field(ge=1, le=10_000, description="Full members of the Central Committee.")
    alternates: int = Field(0, ge=0, le=10_000, description="Alternate members of the Central Committee.")
    female_share: float = Field(0.1, ge=0, le=1, description="Share of women among them (assumption).")
    sectors: SectorShares = Field(description="Relative sector shares among them (assumption).")


class CongressSection(MechanismSection):
    """The pre-Congress cycle: assemblies, unit scores, delegate slots, selection and its distortions."""

    enabled: bool = Field(False, description="Run the pre-Congress cycles listed in `cycles`.")
    cycles: list[CongressCycle] = Field(
        default_factory=list, description="Congress cycles inside the run, in date order."
    )
    recommendations_per_cell: int = Field(
        1, ge=1, le=30, description="Members each cell's general assembly recommends as delegate candidates."
    )
    assemblies: Literal["cells", "basic_organizations"] = Field(
        "cells",
        description="Who holds the recommending assemblies. 'cells': every cell, party team and branch (the army text: "
        "general assemblies of party cells and branches). 'basic_organizations': every basic party organization — a "
        "primary or sub-primary organization holds one general membership meeting for all its cells (a representative "
        "meeting when it has more than 500 members), a cell or team directly under a county/city committee its own "
        "(congresses.yaml, step 2); each recommends `recommendations_per_cell` members per cell it holds.",
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
    score_weights: ScoreWeights = Field(
        default_factory=ScoreWeights,
        description="How a unit's score is made from its fighting power, ideology and discipline record, and how much it moves its slots.",
    )
    selection: SelectionWeights = Field(
        default_factory=SelectionWeights,
        description="Who is recommended and elected: the weights of achievement, office, loyalty, ties and bribes at every tier.",
    )
    bribe_propensity: float = Field(
        0.02, ge=0, le=1, description="Probability a member who can afford it pays a bribe to get in."
    )
    bribe_price: float = Field(
        2.0, ge=0, le=1_000_000, description="Means needed to bribe (relative to the median wealth of 1)."
    )
    central_committee: CentralCommittee | None = Field(
        None,
        description="The outgoing central leadership (ex officio at every Congress of the run); none: unit cadres instead.",
    )
    replacement: Literal["none", "observer"] = Field(
        "none",
        description="Who takes the seat of a delegate struck at the credential review: nobody, or an observer of the same "
        "provincial-level unit (assumption: the sources do not say).",
    )
    inspection_detection: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Probability an inspection detects a briber, who is referred for discipline (cause bribery).",
    )

    @model_validator(mode="after")
    def _cycles_in_order(self) -> CongressSection:
        if self.central_committee is not None:
            for i, cycle in enumerate(self.cycles):
                if cycle.ex_officio_total:
                    raise ValueError(
                        f"cycles.{i}.ex_officio_total 0 with a central_committee (its members are the ex officio), "
                        f"found {cycle.ex_officio_total}"
                    )
        for i, (prev, cycle) in enumerate(zip(self.cycles, self.cycles[1:]), start=1):
            if cycle.announce <= prev.congress:
                raise ValueError(
                    f"cycle {i} announced after cycle {i - 1}'s Congress ({prev.congress}), found {cycle.announce}"
                )
        return self
