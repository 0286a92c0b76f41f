"""The scenario section of every part of the model (pydantic models).

One class per section of a scenario file. Each field says its unit and its
range, and where a default comes from the organizational rules in
``shared/sources`` it says so ("source: ..."); every other default is a
modelling assumption, listed as such in README.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    """Base of every section: unknown fields are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class MechanismSection(Section):
    enabled: bool = Field(True, description="Switch the mechanism off to run analytic special cases.")


class SectorShares(Section):
    """Shares of members by sector of work; the sectors of the 8th Congress delegate report."""

    party_political: float = Field(0.10, ge=0, description="Party and political workers (share of members).")
    state_economic: float = Field(0.12, ge=0, description="State administrative and economic officials.")
    service: float = Field(0.15, ge=0, description="Service personnel: the army and security forces.")
    working_peoples_orgs: float = Field(0.03, ge=0, description="Working people's organizations.")
    science_education_culture: float = Field(0.15, ge=0, description="Science, education, public health, literature, arts, media.")
    field_labour: float = Field(0.45, ge=0, description="Workers and farmers in field labour.")

    @model_validator(mode="after")
    def _positive_total(self) -> "SectorShares":
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("sector shares with a positive sum")
        return self

    def normalized(self) -> dict[str, float]:
        values = self.model_dump()
        total = sum(values.values())
        return {name: share / total for name, share in values.items()}


class PopulationSection(Section):
    """The members on day 0."""

    members: int = Field(3000, ge=5, le=50_000_000, description="Members and candidate members on day 0 (persons).")
    candidate_share: float = Field(0.04, ge=0, le=1, description="Share of day-0 members who are candidates on probation.")
    seniority_mean_years: float = Field(12.0, gt=0, le=60, description="Mean party standing of day-0 full members (years, exponential); gives recommenders of two years' standing from day one.")
    female_share: float = Field(0.3, ge=0, le=1, description="Share of women among members and applicants.")
    sincerity_mean: float = Field(0.8, gt=0, lt=1, description="Mean sincerity in Party life (0..1, Beta distributed); low sincerity raises critique findings.")
    sincerity_concentration: float = Field(10.0, gt=0, description="Beta concentration a+b of sincerity (higher: less spread).")
    ties_group_size: float = Field(25.0, ge=1, description="Mean number of members sharing one personal-tie group (blood, friend, teacher-student, school).")
    wealth_sigma: float = Field(1.0, ge=0, le=5, description="Log-normal sigma of members' means to bribe (relative units).")
    sectors: SectorShares = Field(default_factory=SectorShares)


class OrganizationSection(Section):
    """The party's structure: central committee (or the army's General Political Bureau) down to cells."""

    army: bool = Field(False, description="Army party organization: the levels are called unit, corps and General Political Bureau.")
    provinces: int = Field(1, ge=1, le=100, description="Provincial committees (corps in the army).")
    counties_per_province: int = Field(1, ge=1, le=1000, description="County/city committees per province (units in the army).")
    cell_min: int = Field(5, ge=1, le=100, description="Fewest members a cell may have (source: 5); smaller units attach or merge.")
    cell_max: int = Field(30, ge=2, le=1000, description="Most members a cell may have (source: 30); larger cells split.")
    cell_size_mean: float = Field(14.0, gt=0, description="Mean members per cell on day 0 (persons).")
    cells_per_primary_mean: float = Field(6.0, ge=1, description="Mean cells per primary party organization on day 0.")
    direct_cell_share: float = Field(0.2, ge=0, le=1, description="Share of cells directly under a county/city committee, not inside a primary organization.")

    @model_validator(mode="after")
    def _cell_bounds(self) -> "OrganizationSection":
        if self.cell_max < self.cell_min:
            raise ValueError(f"cell_max >= cell_min ({self.cell_min}), found cell_max={self.cell_max}")
        if not self.cell_min <= self.cell_size_mean <= self.cell_max:
            raise ValueError(f"cell_size_mean between cell_min and cell_max, found {self.cell_size_mean}")
        return self


class MembershipSection(MechanismSection):
    """Recruitment, review, county decision, candidacy and admission (source: basic party organizations)."""

    applications_per_year: float = Field(0.0, ge=0, description="Applications filed per year regardless of party size (persons/year).")
    applications_per_member_year: float = Field(0.03, ge=0, le=1, description="Applications filed per full member per year (persons/member/year).")
    youth_league_share: float = Field(0.6, ge=0, le=1, description="Share of applicants in the Youth League, whose committee's letter replaces one recommendation (source).")
    recommender_min_years: float = Field(2.0, ge=0, le=50, description="Party standing a recommender needs (years; source: two years).")
    cell_endorse_probability: float = Field(0.9, ge=0, le=1, description="Probability the cell meeting's review forwards an application to the county/city committee.")
    county_approve_probability: float = Field(0.9, ge=0, le=1, description="Probability the county/city committee approves a forwarded application.")
    county_decision_max_days: int = Field(30, ge=1, le=365, description="The county/city committee decides within this many days of the cell meeting (source: within a month).")
    probation_days: int = Field(365, ge=30, le=1095, description="Candidacy before the cell decides (days; source: up to one year).")
    qualify_probability: float = Field(0.85, ge=0, le=1, description="Probability a candidate qualifies at the first decision.")
    extension_probability: float = Field(0.8, ge=0, le=1, description="Probability a non-qualifying candidate's probation is extended once rather than ended by expulsion (source: one extension).")
    second_qualify_probability: float = Field(0.7, ge=0, le=1, description="Probability an extended candidate qualifies at the second decision; the rest are expelled (source).")


class AttritionSection(MechanismSection):
    """Members leaving for reasons outside party discipline."""

    death_rate: float = Field(0.008, ge=0, le=1, description="Deaths per member per year.")
    retirement_rate: float = Field(0.01, ge=0, le=1, description="Retirements from active party life per member per year.")
    transfer_out_rate: float = Field(0.005, ge=0, le=1, description="Transfers out of the modelled organization per member per year.")


class MeetingsSection(MechanismSection):
    """Bylaw meeting cadences (source: basic party organizations)."""

    general_meeting_every_months: int = Field(3, ge=1, le=12, description="Months between general membership meetings of primary, branch and sub-primary organizations (source: every three months).")
    general_meeting_yearly_above: int = Field(500, ge=1, description="Primary organizations with more members than this hold the general meeting once a year (source: 500).")
    report_every_months: int = Field(1, ge=1, le=12, description="Months between the regular reports of basic organizations to the city/county and provincial committees (assumption: monthly).")


class CritiqueSection(MechanismSection):
    """Party Life Critique (source: weekly or every two days, by the cell's job/status)."""

    every_two_days_share: float = Field(0.3, ge=0, le=1, description="Share of cells holding Party Life Critique every two days instead of weekly (assumption; source: depends on job, social status, background).")
    attendance_probability: float = Field(0.95, ge=0, le=1, description="Probability a member attends a critique session.")
    finding_probability: float = Field(0.3, ge=0, le=1, description="Probability that an attending member of sincerity 0 draws criticism with findings; scales with (1 - sincerity).")
    referral_probability: float = Field(0.003, ge=0, le=1, description="Probability that an attending member of sincerity 0 is referred for discipline (insincerity in Party life); scales with (1 - sincerity).")
