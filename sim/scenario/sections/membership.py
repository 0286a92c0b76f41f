"""Recruitment, probation and attrition."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.sections.base import MechanismSection


class MembershipSection(MechanismSection):
    """Recruitment, review, county decision, candidacy and admission (source: basic party organizations)."""

    applications_per_year: float = Field(
        0.0, ge=0, le=10_000_000, description="Applications filed per year regardless of party size (persons/year)."
    )
    applications_per_member_year: float = Field(
        0.03, ge=0, le=1, description="Applications filed per full member per year (persons/member/year)."
    )
    youth_league_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Share of applicants in the Youth League, whose committee's letter replaces one recommendation (source).",
    )
    recommender_min_years: float = Field(
        2.0, ge=0, le=50, description="Party standing a recommender needs (years; source: two years)."
    )
    cell_endorse_probability: float = Field(
        0.9,
        ge=0,
        le=1,
        description="Probability the cell meeting's review forwards an application to the county/city committee.",
    )
    county_approve_probability: float = Field(
        0.9, ge=0, le=1, description="Probability the county/city committee approves a forwarded application."
    )
    county_decision_max_days: int = Field(
        30,
        ge=1,
        le=365,
        description="The county/city committee decides within this many days of the cell meeting (source: within a month).",
    )
    probation_days: int = Field(
        365, ge=30, le=1095, description="Candidacy before the cell decides (days; source: up to one year)."
    )
    qualify_probability: float = Field(
        0.85, ge=0, le=1, description="Probability a candidate qualifies at the first decision."
    )
    extension_probability: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Probability a non-qualifying candidate's probation is extended once rather than ended by expulsion (source: one extension).",
    )
    second_qualify_probability: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Probability an extended candidate qualifies at the second decision; the rest are expelled (source).",
    )


class AttritionSection(MechanismSection):
    """Members leaving for reasons outside party discipline."""

    death_rate: float = Field(0.008, ge=0, le=1, description="Deaths per member per year.")
    retirement_rate: float = Field(
        0.01, ge=0, le=1, description="Retirements from active party life per member per year."
    )
    transfer_out_rate: float = Field(
        0.005, ge=0, le=1, description="Transfers out of the modelled organization per member per year."
    )
