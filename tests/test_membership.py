"""Recruitment and probation follow the bylaws (source: basic party organizations)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.mechanisms.membership import COUNTY, RATIFICATION
from sim.model.organizations import Kind
from sim.model.population import YOUTH_LEAGUE_LETTER, Status
from sim.run.engine import Simulation
from tests.conftest import simulate, small_scenario

BUSY = {
    "membership": {
        "applications_per_member_year": 0.2,
        "qualify_probability": 0.5,
        "extension_probability": 0.7,
        "second_qualify_probability": 0.5,
    }
}


def _first_day(events: pd.DataFrame, kind: str) -> pd.Series:
    return events[events.kind == kind].groupby("member")["day"].min()


def test_probation_is_decided_within_a_year_extended_once_and_ended_by_two():
    scenario = small_scenario(duration="4y", **BUSY)
    _, result = simulate(scenario)
    ev = result.events
    start = _first_day(ev, "candidate_admitted")
    admitted = _first_day(ev, "probation_passed")  # the cell's decision; the committee ratifies it after
    extended = ev[ev.kind == "probation_extended"]
    expelled = _first_day(ev, "candidate_expelled")
    assert len(extended) > 20 and len(expelled) > 20 and len(admitted) > 100
    # First decision: by the first anniversary.
    first_decision = pd.concat([admitted, _first_day(ev, "probation_extended"), expelled]).groupby(level=0).min()
    waited = (first_decision - start).dropna()
    assert waited.max() <= 365 and waited.min() > 365 - 31
    # At most one extension per candidate.
    assert extended.member.is_unique
    # Expelled or admitted after an extension: by the second anniversary.
    for outcome in (admitted, expelled):
        after_ext = (outcome - start).reindex(extended.member).dropna()
        assert len(after_ext) and after_ext.max() <= 2 * 365


def test_candidates_not_extended_are_expelled_at_the_first_decision():
    scenario = small_scenario(
        membership={"applications_per_member_year": 0.2, "qualify_probability": 0.3, "extension_probability": 0.0}
    )
    _, result = simulate(scenario)
    ev = result.events
    assert (ev.kind == "probation_extended").sum() == 0
    waited = (_first_day(ev, "candidate_expelled") - _first_day(ev, "candidate_admitted")).dropna()
    assert len(waited) > 20 and waited.max() <= 365


def test_county_committee_decides_within_a_month_of_the_cell_meeting():
    _, result = simulate(small_scenario(**BUSY))
    ev = result.events
    forwarded = _first_day(ev, "application_forwarded")
    decided = pd.concat(
        [
            _first_day(ev, "candidate_admitted"),
            ev[(ev.kind == "application_rejected") & (ev.cause == "county")].groupby("member")["day"].min(),
        ]
    )
    delay = (decided - forwarded).dropna()
    assert len(delay) > 100
    assert delay.min() >= 1 and delay.max() <= 30


def test_applications_are_reviewed_at_the_cells_meeting_day():
    simulation, result = simulate(small_scenario(**BUSY))
    ev = result.events
    reviewed = ev[ev.kind.isin(["application_forwarded", "application_rejected"]) & (ev.cause != "county")]
    cal, pop, orgs = simulation.world.calendar, simulation.world.pop, simulation.world.orgs
    meeting_day = orgs.meeting_day[pop.cell[reviewed.member.to_numpy()]]
    assert np.array_equal(cal.day_of_month(reviewed.day.to_numpy()), meeting_day)


def test_recommenders_have_two_years_standing_and_belong_to_the_cell():
    simulation, _result = simulate(small_scenario(**BUSY))
    pop = simulation.world.pop
    applicants = np.flatnonzero(pop.applied[: pop.n] > 0)
    assert len(applicants) > 100
    r1, r2 = pop.recommender1[applicants], pop.recommender2[applicants]
    letter = r2 == YOUTH_LEAGUE_LETTER
    assert np.array_equal(letter, pop.youth_league[applicants])
    assert 0.3 < letter.mean() < 0.8
    for rec, who in ((r1, applicants), (r2[~letter], applicants[~letter])):
        assert np.all(rec >= 0)
        assert np.all(pop.applied[who] - pop.joined[rec] >= 2 * 365)
        assert np.all(pop.cell[rec] == pop.cell[who])
    assert np.all(r1[~letter] != r2[~letter])


def test_disabled_membership_admits_nobody():
    _, result = simulate(small_scenario(membership={"enabled": False}))
    ts = result.timeseries
    assert ts[["applications", "admitted", "candidates_approved"]].to_numpy().sum() == 0


def test_member_table_aggregates_stay_exact():
    simulation, _ = simulate(small_scenario(**BUSY))
    simulation.world.pop.check_consistency()
    assert simulation.world.pop.counts[Status.FULL] > 0


def _applicant_in_a_merged_cell(**sections) -> tuple[Simulation, np.ndarray, int, int]:
    """An applicant of a residential unit of three members, its review scheduled, then the day-1
    re-organization that merges the unit; returns the simulation, the applicant, the old cell and
    the old review day."""
    simulation = Simulation(small_scenario(organization={"small_units": "[3]"}, **sections))
    world = simulation.world
    pop, orgs = world.pop, world.orgs
    cells = orgs.ids_of(Kind.CELL)
    small = cells[pop.org_size[cells] == 3][0]
    applicant = pop.add(1, Status.APPLICANT, small, applied=0)
    world.mechanisms["membership"]._schedule_review(applicant, pop.cell[applicant], 0)
    old_review = int(pop.due[applicant[0]])
    world.mechanisms["reorganization"].reorganize(day=1)
    return simulation, applicant, int(small), old_review


def test_an_application_moved_by_a_merge_is_reviewed_at_the_new_cells_meeting():
    """A residential unit below five members merges before its applicant is reviewed: the receiving
    cell reviews the application at its own next meeting; the old cell's date goes stale."""
    simulation, applicant, small, old_review = _applicant_in_a_merged_cell()
    world = simulation.world
    pop, orgs, cal = world.pop, world.orgs, world.calendar
    membership = world.mechanisms["membership"]
    new_cell = pop.cell[applicant[0]]
    assert new_cell != small and not orgs.alive[small]
    new_review = int(cal.next_monthly(np.array([2]), orgs.meeting_day[[new_cell]])[0])
    assert pop.due[applicant[0]] == new_review
    # The agenda is read in date order: the earlier of the two dates first.
    for day in sorted({old_review, new_review}):
        review = membership._due(day)[0]
        assert (applicant[0] in review) == (day == new_review), day  # the old date finds nothing to review


def test_a_moved_application_is_reviewed_once_even_when_its_county_decision_falls_on_the_stale_review_day():
    """The receiving cell reviews a merged cell's applicant before the old cell would have; if the county
    committee's day is the old review day, that day decides the application and does not review it again."""
    simulation, applicant, _, old_review = _applicant_in_a_merged_cell(membership={"cell_endorse_probability": 1.0})
    pop, membership = simulation.world.pop, simulation.world.mechanisms["membership"]
    new_review = int(pop.due[applicant[0]])
    assert new_review < old_review  # the case: the stale entry comes after the review
    membership._cell_review(new_review, membership._due(new_review)[0])
    assert pop.procedure[applicant[0]] == COUNTY
    # The county's day, drawn within its deadline, is the old review day (the entry drawn goes stale).
    membership._schedule(COUNTY, applicant, np.array([old_review]))
    membership.run_procedures(old_review)
    assert pop.status[applicant[0]] in (Status.CANDIDATE, Status.REJECTED)  # decided by the county, not re-reviewed


def test_every_admission_is_ratified_by_the_city_county_committee_within_its_deadline():
    """The cell decides at the end of probation, the city/county committee ratifies within a month (source)."""
    _, result = simulate(small_scenario(duration="3y", **BUSY))
    ev = result.events
    passed = _first_day(ev, "probation_passed")
    admitted = _first_day(ev, "admitted")
    assert len(admitted) > 100
    delay = (admitted - passed.reindex(admitted.index)).to_numpy()
    assert not np.isnan(delay).any()  # nobody admitted without the cell's decision
    assert delay.min() >= 1 and delay.max() <= 30


def test_no_candidate_is_expelled_before_the_end_of_an_extension_unless_the_scenario_asks():
    """Expulsion only "after another probationary period" (source): with the default, every expelled
    candidate was extended, and is expelled no earlier than the cell's last meeting before the second year ends."""
    scenario = small_scenario(
        duration="4y", membership={"applications_per_member_year": 0.2, "qualify_probability": 0.3}
    )
    assert scenario.membership.extension_probability == 1.0
    simulation, result = simulate(scenario)
    ev = result.events
    expelled = _first_day(ev, "candidate_expelled")
    assert len(expelled) > 20
    pop = simulation.world.pop
    ids = expelled.index.to_numpy()
    assert pop.extended[ids].all()
    assert ((expelled.to_numpy() - pop.candidate_since[ids]) > 2 * 365 - 31).all()


def test_a_cell_whose_members_stand_punished_guides_its_candidates_less():
    """Source: the cell must "concretely guide and assist" the candidate. Candidates of cells whose every
    other member stands punished qualify with qualify_probability x (1 - guidance_effect x punished share);
    binomial counts within four standard deviations."""
    from tests.small_world import founded

    effect, p = 0.8, 0.9
    simulation = founded(
        population={"members": 20_000}, membership={"guidance_effect": effect, "qualify_probability": p}
    )
    world = simulation.world
    pop, membership = world.pop, world.mechanisms["membership"]
    candidates = np.flatnonzero(pop.status[: pop.n] == Status.CANDIDATE)
    cells = np.unique(pop.cell[candidates])
    punished_cells = cells[::2]
    others = np.flatnonzero(np.isin(pop.cell[: pop.n], punished_cells) & (pop.status[: pop.n] == Status.FULL))
    pop.set_punishment(others, 1)
    share = (
        np.bincount(pop.cell[others], minlength=world.orgs.n)[pop.cell[candidates]] / pop.org_size[pop.cell[candidates]]
    )
    expected = p * (1 - effect * share)
    pop.due[candidates] = 10
    assert not pop.extended[candidates].any()
    membership._probation_decision(10, candidates)
    passed = ~pop.extended[candidates]  # the others are extended (extension_probability 1)
    in_punished = np.isin(pop.cell[candidates], punished_cells)
    for group in (in_punished, ~in_punished):
        mean, var = expected[group].sum(), (expected[group] * (1 - expected[group])).sum()
        assert abs(passed[group].sum() - mean) < 4 * np.sqrt(var), (passed[group].sum(), mean)
    assert expected[in_punished].mean() < expected[~in_punished].mean() - 0.3


def test_the_county_committee_ratifies_a_passed_candidate_on_any_day_from_the_next_one_to_its_deadline():
    """membership.county_decision_max_days: the county/city committee decides "within this many days of the cell
    meeting" (source: within a month) — as early as the day after, uniformly up to the deadline (assumption)."""
    scenario = small_scenario(membership={"qualify_probability": 1.0, "county_decision_max_days": 2})
    world = Simulation(scenario, seed=1).world
    membership, pop = world.mechanisms["membership"], world.pop
    candidates = np.flatnonzero(pop.status[: pop.n] == Status.FULL)[:400]
    membership._probation_decision(10, candidates)
    days = pop.due[candidates]
    assert set(days) == {11, 12}
    assert abs((days == 11).mean() - 0.5) < 4 * 0.5 / np.sqrt(len(days))  # binomial, 4 standard deviations


def test_each_candidate_who_fails_probation_is_extended_once_with_the_extension_probability_or_expelled():
    """membership.extension_probability: a candidate who does not qualify gets one more probationary period with this
    probability, each candidate on their own, else is expelled (source: "after another probationary period")."""
    failing = {"qualify_probability": 0.0, "second_qualify_probability": 0.0, "extension_probability": 0.5}
    scenario = small_scenario(membership=failing)
    world = Simulation(scenario, seed=1).world
    membership, pop = world.mechanisms["membership"], world.pop
    candidates = np.flatnonzero(pop.status[: pop.n] == Status.FULL)[:400]
    pop.transition(candidates, Status.CANDIDATE)
    pop.extended[candidates[:100]] = True  # already extended once: no second extension
    membership._probation_decision(10, candidates)
    extended = pop.extended[candidates[100:]]
    assert abs(extended.mean() - 0.5) < 4 * 0.5 / np.sqrt(len(extended))  # binomial, 4 standard deviations
    assert (pop.status[candidates[100:]][extended] == Status.CANDIDATE).all()
    assert (pop.status[candidates[:100]] == Status.CANDIDATE_EXPELLED).all()
    assert (pop.status[candidates[100:]][~extended] == Status.CANDIDATE_EXPELLED).all()


def test_a_probation_of_a_month_ending_at_the_committees_own_meeting_day_is_decided_that_day():
    """membership.probation_days of 30: a candidate the county/city committee admits on the day of their cell's
    meeting, with no later meeting within the month, is decided at that meeting, that very day."""
    scenario = small_scenario(
        membership={"probation_days": 30, "county_approve_probability": 1.0, "qualify_probability": 1.0}
    )
    world = Simulation(scenario, seed=1).world
    membership, pop = world.mechanisms["membership"], world.pop
    cell = int(pop.cell[np.flatnonzero(pop.status[: pop.n] == Status.FULL)[0]])
    meeting_day = world.orgs.meeting_day[[cell]]
    day = next(d for d in range(1, 400) if int(membership.last_meeting.of(d + 30, meeting_day)[0]) == d)
    applicant = pop.add(1, Status.APPLICANT, cell, applied=0)
    membership._schedule(COUNTY, applicant, day)
    membership.run_procedures(day)
    assert pop.status[applicant[0]] == Status.CANDIDATE
    assert pop.procedure[applicant[0]] == RATIFICATION and pop.due[applicant[0]] > day  # decided, passed


def test_each_planned_application_is_filed_once_on_its_planned_day_in_row_order():
    simulation = Simulation(small_scenario(population={"members": 3000}, **BUSY))
    membership = simulation.world.mechanisms["membership"]
    membership.plan_recruitment(0)
    planned = np.empty(len(membership._filing_rows), dtype=np.int64)
    planned[membership._filing_rows] = membership._filing_days  # each plan row's filing day
    assert len(planned) > 10
    for day in range(int(planned.max()) + 2):
        start, end = membership._filings(day)
        assert np.array_equal(membership._filing_rows[start:end], np.flatnonzero(planned == day))
