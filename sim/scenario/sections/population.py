"""Who is in the party on day 0: members, candidates and their personal traits.

Where members sit, and so their sector of work and the share of women, is the
organization section's (``organization.types``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.sections.base import Section


class PopulationSection(Section):
    """The members on day 0."""

    members: int = Field(3000, ge=5, le=50_000_000, description="Members and candidate members on day 0 (persons).")
    candidate_share: float = Field(
        0.04, ge=0, le=1, description="Share of day-0 members who are candidates on probation."
    )
    seniority_mean_years: float = Field(
        12.0,
        gt=0,
        le=60,
        description="Mean party standing of day-0 full members (years, exponential); gives recommenders of two years' standing from day one.",
    )
    age_excess_mean_years: float = Field(
        22.0,
        gt=0,
        le=80,
        description="Mean years by which a day-0 member's age exceeds the party's minimum age (exponential, cut at the retirement age). Assumption: no age structure of the membership is published.",
    )
    age_distribution: Literal["exponential", "uniform"] = Field(
        "exponential",
        description="Shape of the excess of a day-0 member's age over the minimum age: exponential with mean age_excess_mean_years, or uniform on 0..2 x that mean (e.g. an army of conscripts in service). Assumption.",
    )
    sincerity_mean: float = Field(
        0.8,
        ge=0.001,
        le=0.999,
        description="Mean sincerity in Party life (0.001..0.999, Beta distributed); low sincerity raises critique findings.",
    )
    sincerity_concentration: float = Field(
        10.0,
        ge=0.01,
        description="Beta concentration a+b of sincerity (higher: less spread); with the mean's range, both Beta parameters stay positive.",
    )
    ties_group_size: float = Field(
        25.0,
        ge=1,
        description="Mean number of members sharing one personal-tie group (blood, friend, teacher-student, school).",
    )
    wealth_sigma: float = Field(
        1.0, ge=0, le=5, description="Log-normal sigma of members' means to bribe (relative units)."
    )
