"""Shared pieces of every section: the strict model config, sector shares, bounded sector factors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: A multiplier by sector (sector name -> factor). Bounded like every other field, so that the
#: schema states the range and a weight cannot turn a sampling probability negative or infinite.
SectorFactor = Annotated[float, Field(ge=0, le=100)]


#: Unknown fields are errors, assignments are validated, and a number is finite: YAML's .inf and
#: .nan are no one's intended value, and the engine cannot sample with them.
SECTION_CONFIG = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Section(BaseModel):
    """Base of every section (see SECTION_CONFIG)."""

    model_config = SECTION_CONFIG


class MechanismSection(Section):
    enabled: bool = Field(True, description="Switch the mechanism off to run analytic special cases.")


class SectorShares(Section):
    """Relative shares by sector of work, the sectors of the 8th Congress delegate report.

    Shares are relative (normalized by their sum); the bound keeps the sum finite.
    Used where a body's make-up is an input (the outgoing Central Committee).
    """

    party_political: float = Field(0.10, ge=0, le=1_000_000, description="Party and political workers.")
    state_economic: float = Field(0.12, ge=0, le=1_000_000, description="State administrative and economic officials.")
    service: float = Field(0.15, ge=0, le=1_000_000, description="Service personnel: the army and security forces.")
    working_peoples_orgs: float = Field(0.03, ge=0, le=1_000_000, description="Working people's organizations.")
    science_education_culture: float = Field(
        0.15, ge=0, le=1_000_000, description="Science, education, public health, literature, arts, media."
    )
    field_labour: float = Field(0.45, ge=0, le=1_000_000, description="Workers and farmers in field labour.")

    @model_validator(mode="after")
    def _positive_total(self) -> SectorShares:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("sector shares with a positive sum")
        return self

    def normalized(self) -> dict[str, float]:
        values = self.model_dump()
        total = sum(values.values())
        return {name: share / total for name, share in values.items()}


#: Sector names in code order (the member-table codes of ``sim.model.sectors``); an organization's
#: type is named by the sector its members count in.
SECTOR_NAMES: tuple[str, ...] = tuple(SectorShares.model_fields)
SectorName = Literal[
    "party_political", "state_economic", "service", "working_peoples_orgs", "science_education_culture", "field_labour"
]


def by_sector(model: BaseModel) -> list[Any]:
    """The values of a model with one field per sector, in sector-code order."""
    return [getattr(model, name) for name in SECTOR_NAMES]


def check_sector_names(names, where: str = "sector names") -> None:
    """Raise a ValueError naming the known sectors when ``names`` holds an unknown one."""
    unknown = sorted(set(names) - set(SectorShares.model_fields))
    if unknown:
        raise ValueError(f"{where} among {sorted(SectorShares.model_fields)}, found {unknown}")
