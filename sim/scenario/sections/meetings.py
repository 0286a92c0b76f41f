"""Meetings of basic organizations and Party Life Critique."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sim.scenario.sections.base import MechanismSection, Section


class MeetingsSection(MechanismSection):
    """Bylaw meeting cadences (source: basic party organizations)."""

    general_meeting_every_months: int = Field(
        3,
        ge=1,
        le=12,
        description="Months between general membership meetings of primary, branch and sub-primary organizations (source: every three months).",
    )
    general_meeting_yearly_above: int = Field(
        500,
        ge=1,
        description="Primary organizations with more members than this hold the general meeting once a year (source: 500).",
    )
    report_every_months: int = Field(
        1,
        ge=1,
        le=12,
        description="Months between the regular reports of basic organizations to the city/county and provincial committees (assumption: monthly).",
    )


def _cadence_share(default: float, what: str) -> Any:
    return Field(default, ge=0, le=1, description=f"Share of the cells of {what} that critique every two days.")


class CritiqueCadence(Section):
    """Which cells hold Party Life Critique every two days rather than weekly, by organization type.

    Source ("Basic Party Organizations"): "Depending on the job, social status
    or background of the party cell members, Party Life Critique can happen
    once a week or every two days." The text names no job: by default the
    party apparatus and the armed forces and security services (the barracks'
    daily political life) critique every two days, everyone else weekly
    (assumption). A share between 0 and 1 splits a type's cells (for status
    or background within a job), the same cells in every run.
    """

    party_political: float = _cadence_share(1.0, "the party apparatus")
    state_economic: float = _cadence_share(0.0, "state administration and the economy")
    service: float = _cadence_share(1.0, "the armed forces and security services")
    working_peoples_orgs: float = _cadence_share(0.0, "working people's organizations")
    science_education_culture: float = _cadence_share(0.0, "science, education, health, culture and media")
    field_labour: float = _cadence_share(0.0, "field labour (and residential cells, by default)")


class CritiqueSection(MechanismSection):
    """Party Life Critique (source: weekly or every two days, by the cell's job/status)."""

    every_two_days: CritiqueCadence = Field(
        default_factory=lambda: CritiqueCadence(),
        description="Share of each organization type's cells that hold Party Life Critique every two days (the rest weekly).",
    )
    attendance_probability: float = Field(
        0.95, ge=0, le=1, description="Probability a member attends a critique session."
    )
    finding_probability: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Probability that an attending member of sincerity 0 draws criticism with findings; scales with (1 - sincerity).",
    )
    referral_probability: float = Field(
        0.003,
        ge=0,
        le=1,
        description="Probability that an attending member of sincerity 0 is referred for discipline (insincerity in Party life); scales with (1 - sincerity).",
    )
