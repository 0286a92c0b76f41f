"""Recruitment, probation and attrition."""

from __future__ import annotations

from typing import Literal

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
        description="Share of applicants up to the League's age limit who are Kim Il Sung Youth League members; only they may replace one recommendation by the League committee's letter (source: basic party organizations). The share is an assumption.",
    )
    min_age_years: float = Field(
        18.0,
        ge=14,
        le=60,
        description="Party's minimum age of an applicant (years). Assumption: the WPK Charter's 18; the shared sources give no age.",
    )
    applicant_age_excess_mean_years: float = Field(
        5.0,
        gt=0,
        le=50,
        description="Mean years by which an applicant's age exceeds the minimum age (exponential, cut at the retirement age). Assumption.",
    )
    youth_league_age_limit_years: float = Field(
        30.0,
        ge=14,
        le=60,
        description="Oldest age of a Youth League member (years). Assumption: the League's statutory limit of 30; not in the shared sources.",
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
        1.0,
        ge=0,
        le=1,
        description="Probability the cell extends a non-qualifying candidate's probation for another year (source: expulsion only 'after another probationary period', so 1); below 1 the rest are expelled at once, an assumption.",
    )
    ratify_probability: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Probability the city/county committee ratifies the cell's decision to admit a candidate to full membership (source: decided by the cell, ratified by the committee); refused candidates stay candidates until the end of their probation. Assumption: 1.",
    )
    second_qualify_probability: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Probability an extended candidate qualifies at the second decision; the rest are expelled (source).",
    )
    guidance_effect: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How much the cell's own party life bears on a candidate's qualifying: the qualifying probability is "
        "multiplied by 1 - guidance_effect x the share of the cell's active members under a standing punishment. Source: "
        "the cell is obligated to 'concretely guide and assist' the candidate; the measure of its life and the size of "
        "the effect are assumptions.",
    )


class AttritionSection(MechanismSection):
    """Members leaving for reasons outside party discipline: death, retirement, transfer out."""

    model: Literal["constant", "life_table"] = Field(
        "constant",
        description="constant: deaths and retirements at death_rate and retirement_rate per member-year, whatever the age (analytic special cases); life_table: deaths by age (Gompertz law) and retirement at the retirement age.",
    )
    death_rate: float = Field(0.008, ge=0, le=1, description="Deaths per member per year (model: constant).")
    retirement_rate: float = Field(
        0.01, ge=0, le=1, description="Retirements from active party life per member per year (model: constant)."
    )
    mortality_at_30: float = Field(
        0.0015,
        ge=0,
        le=1,
        description="Death hazard at age 30 (per year; model: life_table). Assumption: the order of adult mortality at 30 in a middle-income country; no DPRK life table is in the sources.",
    )
    mortality_doubling_years: float = Field(
        8.0,
        ge=1,
        le=50,
        description="Years over which the death hazard doubles (Gompertz law; model: life_table). Assumption: about 8 years, the usual human adult pattern.",
    )
    retirement_age_years: float = Field(
        60.0,
        ge=20,
        le=100,
        description="Age at which men retire from active party life (years; model: life_table; founders are younger). Assumption: the DPRK pension age of men, not in the sources.",
    )
    retirement_age_women_years: float = Field(
        55.0,
        ge=20,
        le=100,
        description="Age at which women retire from active party life (years; model: life_table). Assumption: the DPRK pension age of women, not in the sources.",
    )
    transfer_out_rate: float = Field(
        0.005, ge=0, le=1, description="Transfers out of the modelled organization per member per year."
    )
