"""The scenario section of every part of the model (pydantic models), one module per part.

One class per section of a scenario file. Each field says its unit and its
range, and where a default comes from the organizational rules in
``shared/sources`` it says so ("source: ..."); every other default is a
modelling assumption, listed as such in the docs.
"""

from sim.scenario.sections.amnesty import AmnestyOrder, AmnestySection
from sim.scenario.sections.base import (
    SECTION_CONFIG,
    SECTOR_NAMES,
    MechanismSection,
    Section,
    SectorFactor,
    SectorName,
    SectorShares,
    by_sector,
)
from sim.scenario.sections.campaigns import CampaignSpec
from sim.scenario.sections.congress import (
    ConferenceSpec,
    CongressCycle,
    CongressSection,
    ScoreWeights,
    SelectionWeights,
)
from sim.scenario.sections.discipline import (
    CauseSpec,
    DisciplineSection,
    LevelName,
    LiftableLevelName,
    LiftPeriods,
    StandingLevelName,
)
from sim.scenario.sections.meetings import CritiqueCadence, CritiqueSection, MeetingsSection
from sim.scenario.sections.membership import AttritionSection, MembershipSection
from sim.scenario.sections.organization import OrganizationSection, UnitType, UnitTypes
from sim.scenario.sections.population import PopulationSection

__all__ = [
    "SECTION_CONFIG",
    "SECTOR_NAMES",
    "AmnestyOrder",
    "AmnestySection",
    "AttritionSection",
    "CampaignSpec",
    "CauseSpec",
    "ConferenceSpec",
    "CongressCycle",
    "CongressSection",
    "CritiqueCadence",
    "CritiqueSection",
    "DisciplineSection",
    "LevelName",
    "LiftPeriods",
    "LiftableLevelName",
    "MechanismSection",
    "MeetingsSection",
    "MembershipSection",
    "OrganizationSection",
    "PopulationSection",
    "ScoreWeights",
    "Section",
    "SectorFactor",
    "SectorName",
    "SectorShares",
    "SelectionWeights",
    "StandingLevelName",
    "UnitType",
    "UnitTypes",
    "by_sector",
]
