"""How the party is organized: the hierarchy, unit sizes, committees and re-organization."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.scenario.sections.base import Section, SectorName, by_sector

#: Offices from which up a member counts as a party and political worker, in rank order (sim.model.roles).
OfficeName = Literal["cell_secretary", "org_deputy", "org_secretary", "executive", "county_cadre"]


class UnitType(Section):
    """One type of organization: how many workplaces are of it, and the share of women among their members."""

    share: float = Field(
        ge=0,
        le=1_000_000,
        description="Relative share of workplaces of this type (normalized over the types; so, in expectation, of the members of workplace cells).",
    )
    female_share: float = Field(ge=0, le=1, description="Share of women among the members and applicants of its units.")
    age_excess_mean_years: float | None = Field(
        None,
        gt=0,
        le=80,
        description="Mean years by which a day-0 member of its units is older than the party's minimum age (default: "
        "population.age_excess_mean_years). Assumption: no age structure by sector is published.",
    )


#: Default share of workplaces and share of women of each type (assumptions; see UnitTypes).
TYPE_DEFAULTS: dict[str, dict[str, float]] = {
    "party_political": {"share": 0.02, "female_share": 0.2},
    "state_economic": {"share": 0.22, "female_share": 0.25},
    "service": {"share": 0.13, "female_share": 0.1},
    "working_peoples_orgs": {"share": 0.02, "female_share": 0.4},
    "science_education_culture": {"share": 0.12, "female_share": 0.45},
    "field_labour": {"share": 0.49, "female_share": 0.35},
}


def _type_field(name: str, description: str) -> Any:
    return Field(default_factory=lambda: UnitType(**TYPE_DEFAULTS[name]), description=description)


class UnitTypes(Section):
    """Organization types, named by the sector their members count in (congresses.yaml's categories).

    The bylaws organize cells at workplaces and residential localities
    (source: "Basic Party Organizations"); the 8th Congress report counts
    delegates by sector of work. A member's sector is the type of their unit
    (``sim.model.sectors``), and holders of party office count as party and
    political workers. No membership by sector or sex is published: every
    share here is an assumption (the national scenario's are fitted to the
    8th Congress by ``calibrations/national-8th.yaml``). A type given with
    one field keeps the default of the other.
    """

    party_political: UnitType = _type_field(
        "party_political", "Party apparatus: the staff of party committees and political departments."
    )
    state_economic: UnitType = _type_field("state_economic", "State administration and the management of the economy.")
    service: UnitType = _type_field("service", "Armed forces and security services.")
    working_peoples_orgs: UnitType = _type_field(
        "working_peoples_orgs",
        "Working people's organizations (trade unions, the League, women's and farmers' unions).",
    )
    science_education_culture: UnitType = _type_field(
        "science_education_culture", "Science, education, public health, literature and arts, the media."
    )
    field_labour: UnitType = _type_field("field_labour", "Field labour in factories, farms and mines.")

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        """A type given in part keeps its own defaults for the rest (not another type's)."""
        if isinstance(data, dict):
            data = {
                name: {**TYPE_DEFAULTS[name], **given} if isinstance(given, dict) and name in TYPE_DEFAULTS else given
                for name, given in data.items()
            }
        return data

    @model_validator(mode="after")
    def _positive_total(self) -> UnitTypes:
        if sum(t.share for t in self.by_code()) <= 0:
            raise ValueError("organization type shares with a positive sum")
        return self

    def by_code(self) -> list[UnitType]:
        """The types in sector-code order."""
        return by_sector(self)


class MilitaryServiceSection(Section):
    """Conscription and discharge of the army's party organization (``organization.army``).

    The Daily NK text describes the army's party organization (units, corps,
    the General Political Bureau) and soldiers and officers as party members;
    the terms of service below are not in the sources: each is an assumption.
    """

    enabled: bool = Field(
        False, description="Soldiers are conscripted, apply to the party during service and are discharged."
    )
    conscripts_per_year: float = Field(
        0.0,
        ge=0,
        le=10_000_000,
        description="Conscripts entering the army each year (persons/year). Assumption: a scenario input.",
    )
    application_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of conscripts who apply to the party during their service; their applications add to membership.applications_per_year. Assumption.",
    )
    conscription_age_years: float = Field(
        17.0, ge=14, le=40, description="Age at conscription (years). Assumption: about 17; not in the sources."
    )
    service_years: float = Field(
        10.0,
        gt=0,
        le=30,
        description="Length of service (years): soldiers are discharged at the conscription age plus this. Assumption: about ten years for men; not in the sources.",
    )
    career_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of soldiers who stay on at the end of service as career officers and political workers, until the retirement age. Assumption.",
    )
    discharge_to: list[SectorName] = Field(
        default_factory=list,
        description="Types of the civilian cells discharged soldiers join, inside the run (a random living cell of these types "
        "for each); empty: they leave this scenario's organization (the army's own scenario, whose civilian cells are not modelled). "
        "With organization.army every member is a soldier; otherwise the members of `service` units are.",
    )

    def applications_per_year(self) -> float:
        """Applications from the soldiers in service (persons/year): conscripts times the share who apply."""
        return self.conscripts_per_year * self.application_share if self.enabled else 0.0


class OrganizationSection(Section):
    """The party's structure: central committee (or the army's General Political Bureau) down to cells."""

    army: bool = Field(
        False, description="Army party organization: the levels are called unit, corps and General Political Bureau."
    )
    provinces: int = Field(1, ge=1, le=100, description="Provincial committees (corps in the army).")
    counties_per_province: int = Field(
        1, ge=1, le=1000, description="County/city committees per province (units in the army)."
    )
    cell_min: int = Field(
        5, ge=1, le=100, description="Fewest members a cell may have (source: 5); smaller units attach or merge."
    )
    cell_max: int = Field(
        30, ge=2, le=1000, description="Most members a cell may have (source: 30); larger cells split."
    )
    cell_size_mean: float = Field(14.0, gt=0, description="Mean members per cell on day 0 (persons).")
    cells_per_primary_mean: float = Field(
        6.0, ge=1, le=10_000, description="Mean cells per primary party organization on day 0."
    )
    direct_cell_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of day-0 cells at residential localities rather than workplaces; they stand directly under a county/city committee unless their locality forms a sub-primary organization.",
    )
    cells_per_locality_mean: float = Field(
        1.5,
        ge=1,
        le=10_000,
        description="Mean residential cells per locality on day 0; a locality whose cells together have more than primary_above members forms a sub-primary organization.",
    )
    primary_above: int = Field(
        31,
        ge=1,
        le=10_000,
        description="A workplace (or workplace section) with more than this many members forms a primary (or branch) organization, a residential locality a sub-primary one; one that falls to it or below is dissolved into direct cells (source: more than 31).",
    )
    branches_above: int = Field(
        150,
        ge=1,
        le=1_000_000,
        description="Primary organizations with more than this many members on day 0 group their cells into branch organizations at workplace sections (persons).",
    )
    branch_members_mean: float = Field(
        80.0, ge=2, description="Mean members per workplace section of a large primary organization on day 0 (persons)."
    )
    executive_committee_above: int = Field(
        300,
        ge=1,
        le=1_000_000,
        description="Primary and sub-primary organizations with more than this many members elect an executive committee (persons).",
    )
    cell_committee_above: int = Field(
        20,
        ge=1,
        le=1000,
        description="A cell directly under a county/city committee with more than this many members elects a cell committee (source: more than 20).",
    )
    cell_committee_size: int = Field(
        5, ge=2, le=30, description="Members of a cell committee, secretary and deputy included."
    )
    org_committee_size: int = Field(
        7, ge=2, le=100, description="Members of a primary/branch/sub-primary committee, secretary and deputy included."
    )
    executive_committee_size: int = Field(
        5,
        ge=2,
        le=100,
        description="Members of an executive committee, secretary and deputy included (drawn from the committee).",
    )
    county_cadres: int = Field(
        5,
        ge=0,
        le=1000,
        description="Core cadres of each county/city committee, promoted from the secretaries of its basic organizations.",
    )
    election_sincerity_years: float = Field(
        5.0,
        ge=0,
        le=100,
        description="Elections rank full members by party standing plus this many years times their sincerity (0..1).",
    )
    small_units: list[int] = Field(
        default_factory=list,
        description="Extra residential units on day 0 with fewer than cell_min members each (sizes); re-organization attaches or merges them (source).",
    )
    abroad_teams: list[int] = Field(
        default_factory=list,
        description="Party teams abroad or relocated on day 0 with fewer than cell_min members each (sizes, source).",
    )
    extra_cells: list[int] = Field(
        default_factory=list,
        description="Extra cells directly under a county/city committee on day 0 (sizes within cell_min..cell_max), e.g. 21 for a cell with a cell committee.",
    )
    types: UnitTypes = Field(
        default_factory=UnitTypes,
        description="Organization types: the share of workplaces of each type and the share of women (and, optionally, the age structure) of its members.",
    )
    residential_type: SectorName = Field(
        "field_labour",
        description="Type of residential cells and of the extra units (small units, party teams, extra cells). Assumption: the residential units of farms and neighbourhoods count with field labour.",
    )
    party_office_from: OfficeName = Field(
        "org_deputy",
        description="Holders of this office or a higher one (deputy secretaries of primary, branch and sub-primary committees and up, executive committee members, county cadres) count as party and political workers, whatever their unit's type. Assumption: the full-time party functionaries; cell offices are held beside one's job.",
    )
    election_female_years: float = Field(
        0.0,
        ge=0,
        le=100,
        description="Years of standing a woman's election score counts less (0: offices regardless of sex). Assumption: no source gives the share of women in party office; the published share of women among delegates (congresses.yaml) is far below any plausible share among members.",
    )
    military_service: MilitaryServiceSection = Field(
        default_factory=MilitaryServiceSection,
        description="Conscription, application during service and discharge (with the whole record) of the soldiers.",
    )
    reorganize: bool = Field(
        True,
        description="Re-organize units and fill vacant offices during the run; off: the day-0 structure and offices stay as they are.",
    )
    reorganize_every: str = Field(
        "3m",
        pattern=r"^[1-9][0-9]*[dwmy]$",
        description="Regular re-organization and filling of vacant offices (d/w/m/y span).",
    )
    threshold_check_every: str = Field(
        "1m",
        pattern=r"^[1-9][0-9]*[dwmy]$",
        description="How often unit sizes are checked against the thresholds; a unit past one is re-organized at once (d/w/m/y span). Monthly by default: the bodies that decide a re-organization meet monthly.",
    )

    @model_validator(mode="after")
    def _cell_bounds(self) -> OrganizationSection:
        if self.cell_max < self.cell_min:
            raise ValueError(f"cell_max >= cell_min ({self.cell_min}), found cell_max={self.cell_max}")
        if not self.cell_min <= self.cell_size_mean <= self.cell_max:
            raise ValueError(f"cell_size_mean between cell_min and cell_max, found {self.cell_size_mean}")
        if self.cell_max < 4 * self.cell_min - 3:
            raise ValueError(
                f"cell_max >= 4 * cell_min - 3 ({4 * self.cell_min - 3}) so that small units merge without overflowing a cell, found {self.cell_max}"
            )
        if self.executive_committee_size > self.org_committee_size:
            raise ValueError(
                f"executive_committee_size <= org_committee_size ({self.org_committee_size}), found {self.executive_committee_size}"
            )
        for name, low, high in (
            ("small_units", 1, self.cell_min - 1),
            ("abroad_teams", 1, self.cell_min - 1),
            ("extra_cells", self.cell_min, self.cell_max),
        ):
            outside = [size for size in getattr(self, name) if not low <= size <= high]
            if outside:
                raise ValueError(f"{name} sizes between {low} and {high}, found {outside}")
        return self
