"""Mass campaigns (speed battles) and the achievers they credit."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from sim.scenario.sections.base import Section, check_sector_names


class CampaignSpec(Section):
    """A mass campaign whose end credits achievers (source: flood recovery, border closing, 80-day campaign)."""

    name: str = Field(description="Campaign name.")
    start: dt.date = Field(description="First day.")
    end: dt.date = Field(description="Last day; the last installment of achievers is credited on this day.")
    achiever_share: float = Field(
        0.05, ge=0, le=1, description="Share of active members credited as achievers over the whole campaign."
    )
    installments: int = Field(
        1,
        ge=1,
        le=365,
        description="Dates inside the campaign at which achievers are credited, evenly spaced, the last on `end` "
        "(1: all at the end). Assumption: speed battles report achievers as they progress; a Congress tier counts "
        "only credits made before its election day.",
    )
    credit_valid_days: int | None = Field(
        None,
        ge=1,
        le=36_500,
        description="Days a credit counts for the Congress selection and unit scores after it is made (None: for ever). "
        "Assumption: the source prefers achievers of 'this year's' campaigns.",
    )
    sectors: list[str] = Field(default_factory=list, description="Sectors that take part (all if empty).")

    @model_validator(mode="after")
    def _valid(self) -> CampaignSpec:
        if self.end < self.start:
            raise ValueError(f"end on or after start ({self.start}), found {self.end}")
        check_sector_names(self.sectors)
        return self
