"""Meetings of basic organizations and Party Life Critique."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.sections.base import MechanismSection


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


class CritiqueSection(MechanismSection):
    """Party Life Critique (source: weekly or every two days, by the cell's job/status)."""

    every_two_days_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of cells holding Party Life Critique every two days instead of weekly (assumption; source: depends on job, social status, background).",
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
