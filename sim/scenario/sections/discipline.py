"""The punishment ladder, causes of punishment, lifting and the recommenders' liability."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.sections.base import MechanismSection, Section, SectorFactor, check_sector_names

LevelName = Literal["warning", "severe_warning", "removal_from_post", "probation", "expulsion"]
#: A punishment a member goes on standing under (an amnesty can lift it): the ladder without expulsion.
LiftableLevelName = Literal["warning", "severe_warning", "removal_from_post", "probation"]
#: The heaviest standing punishment a rule tolerates; "none" tolerates none.
StandingLevelName = Literal["none", "warning", "severe_warning", "removal_from_post", "probation"]


class CauseSpec(Section):
    """One cause of punishment: how often it arises and where it enters the ladder."""

    rate_per_year: float = Field(
        0.0, ge=0, le=10, description="Offences per member per year before modifiers (0 for causes found in critique)."
    )
    level: LevelName = Field(
        "warning", description="Ladder level of a first offence; repeat offences escalate from there."
    )
    from_critique: bool = Field(
        False, description="Offences are the referrals of Party Life Critique (insincerity in Party life)."
    )
    sector_modifiers: dict[str, SectorFactor] = Field(
        default_factory=dict, description="Rate multiplier by sector (sector name -> factor, 0..100)."
    )
    cadre_modifier: float = Field(
        1.0, ge=0, le=100, description="Rate multiplier for members holding a post (cell secretary and above)."
    )

    @model_validator(mode="after")
    def _known_sectors(self) -> CauseSpec:
        check_sector_names(self.sector_modifiers)
        return self


def _default_causes() -> dict[str, CauseSpec]:
    """The causes named in the pre-Congress text, with assumed rates."""
    return {
        "insincerity": CauseSpec(from_critique=True, level="warning"),
        "desertion": CauseSpec(rate_per_year=0.0005, level="probation", sector_modifiers={"service": 4.0}),
        "absence_without_leave": CauseSpec(rate_per_year=0.004, level="warning", sector_modifiers={"service": 3.0}),
        "lax_discipline": CauseSpec(rate_per_year=0.006, level="warning"),
        "anti_socialist": CauseSpec(rate_per_year=0.002, level="removal_from_post"),
        "bribery": CauseSpec(rate_per_year=0.001, level="removal_from_post", cadre_modifier=3.0),
    }


class LiftPeriods(Section):
    """Good conduct needed before a standing punishment is lifted, by level (days)."""

    warning: int = Field(365, ge=1, le=10_000, description="Days of good conduct before a warning is lifted.")
    severe_warning: int = Field(730, ge=1, le=10_000, description="Days before a severe warning is lifted.")
    removal_from_post: int = Field(1095, ge=1, le=10_000, description="Days before a removal from post is lifted.")
    probation: int = Field(
        365, ge=1, le=10_000, description="Days a member demoted to candidate stays demoted before restoration."
    )


class DisciplineSection(MechanismSection):
    """Punishments: causes, the ladder, decisions at meetings, lifting, recommender liability."""

    causes: dict[str, CauseSpec] = Field(
        default_factory=_default_causes, description="Causes by name; a scenario may add its own."
    )
    conviction_probability: float = Field(
        0.8, ge=0, le=1, description="Probability the meeting that takes up a referral issues a punishment."
    )
    escalate_repeat: bool = Field(
        True, description="A member already punished gets at least the next level up the ladder."
    )
    ratified_from: Literal["removal_from_post", "probation", "expulsion"] = Field(
        "removal_from_post",
        description="Punishments from this level up are decided by the cell and take effect only once the county/city "
        "committee ratifies them (source: 'Basic Party Organizations' has the county/city committee ratify the cell's "
        "decisions on membership; that removal from post and demotion need it too is an assumption, the heavier "
        "punishments being decided by the committee with jurisdiction over the post).",
    )
    ratify_probability: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Probability the county/city committee ratifies a removal from post or a demotion to probation; "
        "refused, the member gets the next lighter level. Assumption.",
    )
    expulsion_ratify_probability: float = Field(
        0.9,
        ge=0,
        le=1,
        description="Probability the county/city committee ratifies an expulsion; otherwise the member is put on probation.",
    )
    ratification_days: int = Field(
        30, ge=1, le=365, description="The county/city committee ratifies a punishment within this many days."
    )
    lift_after_days: LiftPeriods = Field(
        default_factory=LiftPeriods,
        description="Good conduct needed before a standing punishment is lifted, by level (days); lifted at the next cell meeting after it.",
    )
    education_effect: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of the gap to full sincerity closed by ideological education when a punishment is lifted.",
    )
    liability_years: float = Field(
        2.0,
        ge=0,
        le=50,
        description="A member expelled within this many years of admission brings liability on the recommenders (years).",
    )
    liability_probability: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Probability each liable recommender is referred (source: recommenders bear responsibility before the party).",
    )
    liability_level: LevelName = Field("warning", description="Ladder level of a recommender's punishment.")
    roles_allowed_up_to: StandingLevelName = Field(
        "warning", description="Heaviest punishment under which a member keeps or may take a post."
    )
    delegates_allowed_up_to: StandingLevelName = Field(
        "none",
        description="Heaviest punishment under which a member may be a Congress delegate (source: punished members are forgiven by amnesty first).",
    )

    @model_validator(mode="after")
    def _reserved_cause(self) -> DisciplineSection:
        if "recommender_liability" in self.causes:
            raise ValueError("cause names other than the reserved 'recommender_liability'")
        return self
