"""Shared pieces of every section: the strict model config, bounded sector factors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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
