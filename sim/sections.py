"""The scenario section of every part of the model (pydantic models).

One class per section of a scenario file. Each field says its unit and its
range, and where a default comes from the organizational rules in
``shared/sources`` it says so ("source: ..."); every other default is a
modelling assumption, listed as such in README.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

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
    """Shares of members by sector of work; the sectors of the 8th Congress delegate report.

    Shares are relative (normalized by their sum); the bound keeps the sum finite.
    """

    party_political: float = Field(0.10, ge=0, le=1_000_000, description="Party and political workers (share of members).")
    state_economic: float = Field(0.12, ge=0, le=1_000_000, description="State administrative and economic officials.")
    service: float = Field(0.15, ge=0, le=1_000_000, description="Service personnel: the army and security forces.")
    working_peoples_orgs: float = Field(0.03, ge=0, le=1_000_000, description="Working people's organizations.")
    science_education_culture: float = Field(0.15, ge=0, le=1_000_000, description="Science, education, public health, literature, arts, media.")
    field_labour: float = Field(0.45, ge=0, le=1_000_000, description="Workers and farmers in field labour.")

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
    sincerity_mean: float = Field(0.8, ge=0.001, le=0.999, description="Mean sincerity in Party life (0.001..0.999, Beta distributed); low sincerity raises critique findings.")
    sincerity_concentration: float = Field(10.0, ge=0.01, description="Beta concentration a+b of sincerity (higher: less spread); with the mean's range, both Beta parameters stay positive.")
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
    cells_per_primary_mean: float = Field(6.0, ge=1, le=10_000, description="Mean cells per primary party organization on day 0.")
    direct_cell_share: float = Field(0.2, ge=0, le=1, description="Share of day-0 cells at residential localities rather than workplaces; they stand directly under a county/city committee unless their locality forms a sub-primary organization.")
    cells_per_locality_mean: float = Field(1.5, ge=1, le=10_000, description="Mean residential cells per locality on day 0; a locality whose cells together have more than primary_above members forms a sub-primary organization.")
    primary_above: int = Field(31, ge=1, le=10_000, description="A workplace (or workplace section) with more than this many members forms a primary (or branch) organization, a residential locality a sub-primary one; one that falls to it or below is dissolved into direct cells (source: more than 31).")
    branches_above: int = Field(150, ge=1, le=1_000_000, description="Primary organizations with more than this many members on day 0 group their cells into branch organizations at workplace sections (persons).")
    branch_members_mean: float = Field(80.0, ge=2, description="Mean members per workplace section of a large primary organization on day 0 (persons).")
    executive_committee_above: int = Field(300, ge=1, le=1_000_000, description="Primary and sub-primary organizations with more than this many members elect an executive committee (persons).")
    cell_committee_above: int = Field(20, ge=1, le=1000, description="A cell directly under a county/city committee with more than this many members elects a cell committee (source: more than 20).")
    cell_committee_size: int = Field(5, ge=2, le=30, description="Members of a cell committee, secretary and deputy included.")
    org_committee_size: int = Field(7, ge=2, le=100, description="Members of a primary/branch/sub-primary committee, secretary and deputy included.")
    executive_committee_size: int = Field(5, ge=2, le=100, description="Members of an executive committee, secretary and deputy included (drawn from the committee).")
    county_cadres: int = Field(5, ge=0, le=1000, description="Core cadres of each county/city committee, promoted from the secretaries of its basic organizations.")
    election_sincerity_years: float = Field(5.0, ge=0, le=100, description="Elections rank full members by party standing plus this many years times their sincerity (0..1).")
    small_units: list[int] = Field(default_factory=list, description="Extra residential units on day 0 with fewer than cell_min members each (sizes); re-organization attaches or merges them (source).")
    abroad_teams: list[int] = Field(default_factory=list, description="Party teams abroad or relocated on day 0 with fewer than cell_min members each (sizes, source).")
    extra_cells: list[int] = Field(default_factory=list, description="Extra cells directly under a county/city committee on day 0 (sizes within cell_min..cell_max), e.g. 21 for a cell with a cell committee.")
    reorganize: bool = Field(True, description="Re-organize units and fill vacant offices during the run; off: the day-0 structure and offices stay as they are.")
    reorganize_every: str = Field("3m", pattern=r"^[1-9][0-9]*[dwmy]$", description="Regular re-organization and filling of vacant offices (d/w/m/y span).")
    threshold_check_every: str = Field("1m", pattern=r"^[1-9][0-9]*[dwmy]$", description="How often unit sizes are checked against the thresholds; a unit past one is re-organized at once (d/w/m/y span). Monthly by default: the bodies that decide a re-organization meet monthly.")

    @model_validator(mode="after")
    def _cell_bounds(self) -> "OrganizationSection":
        if self.cell_max < self.cell_min:
            raise ValueError(f"cell_max >= cell_min ({self.cell_min}), found cell_max={self.cell_max}")
        if not self.cell_min <= self.cell_size_mean <= self.cell_max:
            raise ValueError(f"cell_size_mean between cell_min and cell_max, found {self.cell_size_mean}")
        if self.cell_max < 4 * self.cell_min - 3:
            raise ValueError(f"cell_max >= 4 * cell_min - 3 ({4 * self.cell_min - 3}) so that small units merge without overflowing a cell, found {self.cell_max}")
        if self.executive_committee_size > self.org_committee_size:
            raise ValueError(f"executive_committee_size <= org_committee_size ({self.org_committee_size}), found {self.executive_committee_size}")
        for name, low, high in (("small_units", 1, self.cell_min - 1), ("abroad_teams", 1, self.cell_min - 1),
                                ("extra_cells", self.cell_min, self.cell_max)):
            outside = [size for size in getattr(self, name) if not low <= size <= high]
            if outside:
                raise ValueError(f"{name} sizes between {low} and {high}, found {outside}")
        return self


class MembershipSection(MechanismSection):
    """Recruitment, review, county decision, candidacy and admission (source: basic party organizations)."""

    applications_per_year: float = Field(0.0, ge=0, le=10_000_000, description="Applications filed per year regardless of party size (persons/year).")
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


LevelName = Literal["warning", "severe_warning", "removal_from_post", "probation", "expulsion"]
#: A punishment a member goes on standing under (an amnesty can lift it): the ladder without expulsion.
LiftableLevelName = Literal["warning", "severe_warning", "removal_from_post", "probation"]
#: The heaviest standing punishment a rule tolerates; "none" tolerates none.
StandingLevelName = Literal["none", "warning", "severe_warning", "removal_from_post", "probation"]


class CauseSpec(Section):
    """One cause of punishment: how often it arises and where it enters the ladder."""

    rate_per_year: float = Field(0.0, ge=0, le=10, description="Offences per member per year before modifiers (0 for causes found in critique).")
    level: LevelName = Field("warning", description="Ladder level of a first offence; repeat offences escalate from there.")
    from_critique: bool = Field(False, description="Offences are the referrals of Party Life Critique (insincerity in Party life).")
    sector_modifiers: dict[str, SectorFactor] = Field(default_factory=dict, description="Rate multiplier by sector (sector name -> factor, 0..100).")
    cadre_modifier: float = Field(1.0, ge=0, le=100, description="Rate multiplier for members holding a post (cell secretary and above).")

    @model_validator(mode="after")
    def _known_sectors(self) -> "CauseSpec":
        unknown = sorted(set(self.sector_modifiers) - set(SectorShares.model_fields))
        if unknown:
            raise ValueError(f"sector names among {sorted(SectorShares.model_fields)}, found {unknown}")
        return self


def _default_causes() -> dict[str, CauseSpec]:
    """The causes named in the pre-Congress text, with assumed rates."""
    return {
        "insincerity": CauseSpec(from_critique=True, level="warning"),
        "desertion": CauseSpec(rate_per_year=0.0005, level="probation", sector_modifiers={"service": 4.0}),
        "absence_without_leave": CauseSpec(rate_per_year=0.004, level="warning", sector_modifiers={"service": 3.0}),
        "lax_discipline": CauseSpec(rate_per_year=0.006, level="warning"),
        "anti_socialist": CauseSpec(rate_per_year=0.002, level="severe_warning"),
        "bribery": CauseSpec(rate_per_year=0.001, level="removal_from_post", cadre_modifier=3.0),
    }


class LiftPeriods(Section):
    """Good conduct needed before a standing punishment is lifted, by level (days)."""

    warning: int = Field(365, ge=1, le=10_000, description="Days of good conduct before a warning is lifted.")
    severe_warning: int = Field(730, ge=1, le=10_000, description="Days before a severe warning is lifted.")
    removal_from_post: int = Field(1095, ge=1, le=10_000, description="Days before a removal from post is lifted.")
    probation: int = Field(365, ge=1, le=10_000, description="Days a member demoted to candidate stays demoted before restoration.")


class DisciplineSection(MechanismSection):
    """Punishments: causes, the ladder, decisions at meetings, lifting, recommender liability."""

    causes: dict[str, CauseSpec] = Field(default_factory=_default_causes, description="Causes by name; a scenario may add its own.")
    conviction_probability: float = Field(0.8, ge=0, le=1, description="Probability the meeting that takes up a referral issues a punishment.")
    escalate_repeat: bool = Field(True, description="A member already punished gets at least the next level up the ladder.")
    expulsion_ratify_probability: float = Field(0.9, ge=0, le=1, description="Probability the county/city committee ratifies an expulsion; otherwise the member is put on probation.")
    expulsion_ratification_days: int = Field(30, ge=1, le=365, description="The county/city committee ratifies within this many days.")
    lift_after_days: LiftPeriods = Field(default_factory=LiftPeriods)
    education_effect: float = Field(0.2, ge=0, le=1, description="Share of the gap to full sincerity closed by ideological education when a punishment is lifted.")
    liability_years: float = Field(2.0, ge=0, le=50, description="A member expelled within this many years of admission brings liability on the recommenders (years).")
    liability_probability: float = Field(0.5, ge=0, le=1, description="Probability each liable recommender is referred (source: recommenders bear responsibility before the party).")
    liability_level: LevelName = Field("warning", description="Ladder level of a recommender's punishment.")
    roles_allowed_up_to: StandingLevelName = Field("warning", description="Heaviest punishment under which a member keeps or may take a post.")
    delegates_allowed_up_to: StandingLevelName = Field("none", description="Heaviest punishment under which a member may be a Congress delegate (source: punished members are forgiven by amnesty first).")

    @model_validator(mode="after")
    def _reserved_cause(self) -> "DisciplineSection":
        if "recommender_liability" in self.causes:
            raise ValueError("cause names other than the reserved 'recommender_liability'")
        return self


class ConferenceSpec(Section):
    """One level of the delegate conferences (county/city -> provincial; army: unit -> corps)."""

    level: Literal["county", "province"] = Field(description="Scope of the conference: each county/city committee (army: unit) or each province (army: corps).")
    date: dt.date = Field(description="Day of the conferences at this level.")
    shortlist_factor: float = Field(2.0, ge=1, le=100, description="Members passed on to the next level per final delegate slot (ignored at the last level).")


class CongressCycle(Section):
    """The timeline of one Congress, from announcement to opening (source: pre-Congress text)."""

    name: str = Field(description="Congress name, e.g. 8th.")
    announce: dt.date = Field(description="The Congress is announced; unit political departments start to 'set their eyes' on members.")
    assemblies_open: dt.date = Field(description="First day of the general assemblies of cells and branches.")
    assemblies_close: dt.date = Field(description="Last day of the general assemblies.")
    report_deadline: dt.date = Field(description="Units report their decisions to the organization department above by this day.")
    inspection: dt.date | None = Field(None, description="Day of an anti-corruption inspection of the delegate pool (none if omitted).")
    conferences: list[ConferenceSpec] = Field(min_length=1, description="Delegate conferences in order, county/city level first.")
    congress: dt.date = Field(description="Opening day of the Congress.")
    delegates_total: int = Field(ge=1, le=1_000_000, description="Elected delegates (slots apportioned to units by score).")
    ex_officio_total: int = Field(0, ge=0, le=100_000, description="Ex-officio participants: core cadres of the units' party committees, chosen before ordinary members.")

    @model_validator(mode="after")
    def _in_order(self) -> "CongressCycle":
        steps = [("announce", self.announce), ("assemblies_open", self.assemblies_open),
                 ("assemblies_close", self.assemblies_close), ("report_deadline", self.report_deadline)]
        steps += [(f"conferences.{i}.date", c.date) for i, c in enumerate(self.conferences)]
        steps += [("congress", self.congress)]
        for (prev_name, prev), (name, date) in zip(steps, steps[1:]):
            if date < prev:
                raise ValueError(f"{name} on or after {prev_name} ({prev}), found {date}")
        if self.inspection is not None and not self.announce <= self.inspection <= self.conferences[-1].date:
            raise ValueError(f"inspection between announce and the last conference, found {self.inspection}")
        levels = [c.level for c in self.conferences]
        if levels != sorted(levels, key=["county", "province"].index) or len(set(levels)) != len(levels):
            raise ValueError(f"conferences ordered county then province, each once, found {levels}")
        return self


class SelectionWeights(Section):
    """How strongly each trait raises a member's chance to be recommended and selected.

    The weights multiply; their bounds keep the product finite, so that weighted selection ranks members.
    """

    achiever: float = Field(5.0, ge=0, le=1000, description="Weight multiplier for members credited in a campaign (source: achievers are prioritized).")
    ties: float = Field(3.0, ge=0, le=1000, description="Favouritism: extra weight (added to 1) for members sharing a tie group with a cadre of their unit (blood, friend, teacher, school).")
    bribery: float = Field(4.0, ge=0, le=1000, description="Extra weight (added to 1) for members who pay a bribe.")
    sincerity: float = Field(1.0, ge=0, le=100, description="Exponent on sincerity (loyal members are recommended more).")
    female: float = Field(1.0, ge=0, le=1000, description="Weight multiplier for women.")
    sectors: dict[str, SectorFactor] = Field(default_factory=dict, description="Weight multiplier by sector (sector name -> factor, 0..100).")

    @model_validator(mode="after")
    def _known_sectors(self) -> "SelectionWeights":
        unknown = sorted(set(self.sectors) - set(SectorShares.model_fields))
        if unknown:
            raise ValueError(f"sector names among {sorted(SectorShares.model_fields)}, found {unknown}")
        return self


class ScoreWeights(Section):
    """Unit score = exp(sum of weight x unit aggregate): 'fighting power' and 'ideology'.

    The aggregates are shares (0..1), so weights within +-100 keep the score a finite number.
    """

    achievement: float = Field(2.0, ge=-100, le=100, description="Weight of the unit's share of achievers (fighting power).")
    sincerity: float = Field(2.0, ge=-100, le=100, description="Weight of the unit's mean sincerity (ideology).")
    punished: float = Field(-4.0, ge=-100, le=100, description="Weight of the unit's share of punished members.")


class CongressSection(MechanismSection):
    """The pre-Congress cycle: assemblies, unit scores, delegate slots, selection and its distortions."""

    enabled: bool = Field(False, description="Run the pre-Congress cycles listed in `cycles`.")
    cycles: list[CongressCycle] = Field(default_factory=list, description="Congress cycles inside the run, in date order.")
    recommendations_per_cell: int = Field(1, ge=1, le=30, description="Members each cell's general assembly recommends as delegate candidates.")
    late_report_probability: float = Field(0.02, ge=0, le=1, description="Probability a cell's report misses the deadline; its recommendations are then not counted.")
    apportionment: Literal["largest_remainder", "sainte_lague"] = Field("largest_remainder", description="How slots are apportioned to units by score-weighted membership.")
    score_weights: ScoreWeights = Field(default_factory=ScoreWeights)
    selection: SelectionWeights = Field(default_factory=SelectionWeights)
    bribe_propensity: float = Field(0.02, ge=0, le=1, description="Probability a member who can afford it pays a bribe to get in.")
    bribe_price: float = Field(2.0, ge=0, le=1_000_000, description="Means needed to bribe (relative to the median wealth of 1).")
    inspection_detection: float = Field(0.3, ge=0, le=1, description="Probability an inspection detects a briber, who is referred for discipline (cause bribery).")

    @model_validator(mode="after")
    def _cycles_in_order(self) -> "CongressSection":
        for i, (prev, cycle) in enumerate(zip(self.cycles, self.cycles[1:]), start=1):
            if cycle.announce <= prev.congress:
                raise ValueError(f"cycle {i} announced after cycle {i - 1}'s Congress ({prev.congress}), found {cycle.announce}")
        return self


class CampaignSpec(Section):
    """A mass campaign whose end credits achievers (source: flood recovery, border closing, 80-day campaign)."""

    name: str = Field(description="Campaign name.")
    start: dt.date = Field(description="First day.")
    end: dt.date = Field(description="Last day; achievers are credited on this day.")
    achiever_share: float = Field(0.05, ge=0, le=1, description="Share of active members credited as achievers.")
    sectors: list[str] = Field(default_factory=list, description="Sectors that take part (all if empty).")

    @model_validator(mode="after")
    def _valid(self) -> "CampaignSpec":
        if self.end < self.start:
            raise ValueError(f"end on or after start ({self.start}), found {self.end}")
        unknown = sorted(set(self.sectors) - set(SectorShares.model_fields))
        if unknown:
            raise ValueError(f"sector names among {sorted(SectorShares.model_fields)}, found {unknown}")
        return self


class AmnestyOrder(Section):
    """An order to lift punishments (source: lift the punishments of members censured for insincerity)."""

    date: dt.date = Field(description="Day the order comes down.")
    causes: list[str] = Field(default_factory=lambda: ["insincerity"], description="Causes whose punishments are lifted.")
    levels: list[LiftableLevelName] = Field(default_factory=lambda: ["warning", "severe_warning"], description="Levels lifted.")
    educate_causes: list[str] = Field(default_factory=lambda: ["desertion", "absence_without_leave", "lax_discipline", "anti_socialist"], description="Causes whose punished members get ideological education instead ('reward with loyalty'), not lifting.")
    education_effect: float = Field(0.1, ge=0, le=1, description="Share of the gap to full sincerity closed by the education that comes with the order.")


class AmnestySection(MechanismSection):
    """Amnesty orders before a Congress."""

    orders: list[AmnestyOrder] = Field(default_factory=list, description="Orders in date order.")
