"""Tiers of conferences, observers, the central leadership, credentials and timing (issue 15).

Sources: shared/data/congresses.yaml ("how a Congress is prepared") and the Daily NK text
on the army's preparations for the 8th Congress.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import sim
from sim.many.compare import load_arms, run_comparison
from sim.many.executors import InProcess
from sim.mechanisms.congress import ROUTE, Congress, CycleState
from sim.model.organizations import MEMBER_UNITS, Kind
from sim.model.population import ACTIVE, Status
from sim.model.sectors import SECTORS
from sim.run.engine import Simulation
from sim.scenario.sections import CongressCycle
from tests.conftest import SCENARIOS, simulate, small_scenario

TIERED = {
    "name": "tiered",
    "announce": "2017-01-10",
    "assemblies_open": "2017-02-04",
    "assemblies_close": "2017-02-09",
    "report_deadline": "2017-02-11",
    "conferences": [
        {"level": "county", "date": "2017-02-15", "close": "2017-03-05", "shortlist_factor": 2},
        {"level": "province", "date": "2017-03-01", "close": "2017-03-25"},
    ],
    "credential_review": "2017-04-01",
    "congress": "2017-04-05",
    "delegates_total": 60,
    "observers_total": 12,
}
#: Three provinces of three counties each, so that every tier has several units.
ORGANIZATION = {"provinces": 3, "counties_per_province": 3}
CENTRAL = {
    "members": 8,
    "alternates": 4,
    "female_share": 0.25,
    "sectors": {
        "party_political": 0.5,
        "state_economic": 0.5,
        "service": 0,
        "working_peoples_orgs": 0,
        "science_education_culture": 0,
        "field_labour": 0,
    },
}


def tiered_scenario(cycle=TIERED, members=6000, congress=None, organization=None, **sections) -> sim.Scenario:
    organization = {**ORGANIZATION, **(organization or {})}
    scenario = small_scenario(population={"members": members}, organization=organization, **sections)
    section = {"enabled": True, "recommendations_per_cell": 2, "cycles": [cycle], **(congress or {})}
    return scenario.model_copy(update={"congress": type(scenario.congress).model_validate(section)})


def day_of(simulation: Simulation, text: str) -> int:
    return simulation.world.calendar.day(np.datetime64(text).astype(object))


@pytest.fixture(scope="module")
def tiered_run():
    return simulate(tiered_scenario(congress={"central_committee": CENTRAL}))


def test_every_conference_falls_in_its_tier_window_after_the_tier_below_finished_in_its_area(tiered_run):
    simulation, result = tiered_run
    ev, orgs = result.events, simulation.world.orgs
    assemblies = ev[ev.kind == "general_assembly"]
    conferences = ev[ev.kind == "conference"]
    finished_below = assemblies.groupby(orgs.county[assemblies.org.to_numpy()]).day.max()
    for level, spec in zip(("county", "province"), TIERED["conferences"]):
        held = conferences[conferences.cause == level]
        assert len(held) == held.org.nunique() > 1
        assert held.day.between(day_of(simulation, spec["date"]), day_of(simulation, spec["close"])).all()
        for row in held.itertuples():
            assert row.day > finished_below[row.org], (level, row.org)
        finished_below = held.groupby(orgs.province[held.org.to_numpy()]).day.max()  # the area of the tier above
    counties = conferences[conferences.cause == "county"]
    assert counties.day.nunique() > 1  # spread by unit over the window


def test_delegates_of_a_tier_come_only_from_the_tier_below(tiered_run):
    _, result = tiered_run
    ev = result.events
    recommended = set(ev[ev.kind == "recommended"].member)
    elected = ev[ev.kind == "elected"]
    county, province = set(elected[elected.cause == "county"].member), set(elected[elected.cause == "province"].member)
    assert county and province
    assert county <= recommended and province <= county
    delegates = ev[(ev.kind == "delegate") & ~ev.level.isin(["ex_officio", "replacement"])]
    assert set(delegates.member) == province


def test_quotas_sum_to_the_tier_above():
    simulation = Simulation(tiered_scenario())
    congress, orgs = simulation.world.mechanisms["congress"], simulation.world.orgs
    state = CycleState(CongressCycle.model_validate(TIERED), 0)
    congress.announce(0, state)
    congress.close_reports(1, state)
    counties, provinces = state.tiers[0].quota, state.tiers[1].quota
    assert provinces.sum() == TIERED["delegates_total"] and state.observer_quota.sum() == TIERED["observers_total"]
    for province in np.flatnonzero(provinces):
        inside = np.flatnonzero(orgs.province[np.arange(len(counties))] == province)
        assert counties[inside].sum() == int(np.ceil(provinces[province] * 2))
    assert (provinces > 0).sum() == ORGANIZATION["provinces"]


def _first_tier(exponent: float, sincerity_boost: bool = True):
    """Quotas, members and scores of the county tier on day 1 under ``exponent``."""
    simulation = Simulation(tiered_scenario(congress={"score_weights": {"exponent": exponent}}))
    congress, pop, orgs = simulation.world.mechanisms["congress"], simulation.world.pop, simulation.world.orgs
    if sincerity_boost:  # make the units' scores differ clearly: sincerity rises with the county id
        county = orgs.county[pop.cell[: pop.n]]
        pop.sincerity[: pop.n] = np.clip(0.5 + 0.05 * (county - county.min()), 0, 1)
    state = CycleState(CongressCycle.model_validate(TIERED), 0)
    congress.announce(0, state)
    congress.close_reports(1, state)
    size, score = congress.unit_scores(state)
    return state.tiers[0].quota, size, score, congress, state


#: A campaign that credits achievers before the tiered cycle's reporting deadline.
CAMPAIGN = {"name": "battle", "start": "2016-11-01", "end": "2016-12-20", "achiever_share": 0.2, "installments": 2}


def test_unit_scores_equal_a_pass_over_the_member_table():
    """Members and the punished per unit come from the per-cell counts the population keeps, the achievers
    from their own rows: the scores at the reporting deadline of a whole run equal those of a pass over
    every member, bit for bit."""
    simulation = Simulation(tiered_scenario(members=4000, campaigns=[CAMPAIGN]))
    congress, pop, orgs = simulation.world.mechanisms["congress"], simulation.world.pop, simulation.world.orgs
    seen = []

    def unit_scores(state=None):
        size, score = Congress.unit_scores(congress, state)
        n, w = pop.n, congress.cfg.score_weights
        active = ACTIVE[pop.status[:n]]
        unit = orgs.county[pop.cell[:n][active]]
        members = np.bincount(unit, minlength=orgs.n).astype(np.float64)
        achiever = np.zeros(n, dtype=bool)
        achiever[: min(n, len(state.achiever))] = state.achiever[:n]
        total = {
            "achievement": np.bincount(unit[achiever[active]], minlength=orgs.n),
            "sincerity": np.bincount(unit, weights=pop.sincerity[:n][active], minlength=orgs.n),
            "punished": np.bincount(unit[pop.punish_level[:n][active] > 0], minlength=orgs.n),
        }
        share = {name: values / np.maximum(members, 1) for name, values in total.items()}
        log = w.achievement * share["achievement"] + w.sincerity * share["sincerity"] + w.punished * share["punished"]
        seen.append((total["achievement"].sum(), total["punished"].sum()))
        assert np.array_equal(size, members)
        assert np.array_equal(score, np.where(members > 0, np.exp(log), 0.0))
        return size, score

    congress.unit_scores = unit_scores
    simulation.run()
    assert len(seen) == 1 and all(count > 0 for count in seen[0]), seen


def test_raising_the_score_exponent_moves_slots_towards_high_score_units():
    shares = []
    for exponent in (0, 2, 4, 8, 16):
        quota, size, score, _, _ = _first_tier(exponent)
        units = np.flatnonzero(size > 0)
        high = units[score[units] >= np.median(score[units])]
        shares.append(quota[high].sum() / quota.sum())
    assert all(b >= a for a, b in itertools.pairwise(shares)), shares
    assert shares[-1] > shares[0] + 0.1, shares


def test_slots_are_apportioned_by_membership_and_score():
    quota, size, score, _congress, state = _first_tier(8)
    per_member = quota / np.maximum(size, 1)
    units = np.flatnonzero(size > 0)
    assert np.ptp(size[units]) > 0 and np.ptp(score[units]) > 0
    # With the score ignored slots per member would be equal up to rounding; here they follow the score.
    best, worst = units[np.argmax(score[units])], units[np.argmin(score[units])]
    assert per_member[best] > 2 * per_member[worst]
    assert np.corrcoef(score[units], per_member[units])[0, 1] > 0.8
    # Membership counts too: slots grow with members at a given score (votes = members x score**exponent).
    votes = size * score**8
    assert np.corrcoef(votes[units], quota[units])[0, 1] > 0.9
    spread = state.counts["spread"]
    assert spread["best_tenth_slots_per_1000"] > 2 * spread["worst_tenth_slots_per_1000"]


def test_observers_never_count_as_delegates():
    _simulation, result = simulate(tiered_scenario(congress={"replacement": "none"}))
    ev = result.events
    observers = set(ev[ev.kind == "observer"].member)
    delegates = set(ev[ev.kind == "delegate"].member)
    report = result.summary["congress"][0]
    assert len(observers) == TIERED["observers_total"] and not observers & delegates
    opened = set(ev[ev.kind == "congress_opened"].member)
    assert not observers & opened
    assert report["observers"] <= len(observers) and report["delegates_selected"] == len(opened)


def test_ex_officio_are_all_central_office_holders_seated_before_ordinary_delegates(tiered_run):
    simulation, result = tiered_run
    ev = result.events
    delegates = ev[ev.kind == "delegate"]
    ex_officio = delegates[delegates.level == "ex_officio"]
    leaders = simulation.world.mechanisms["congress"].leadership
    assert (
        len(leaders.ids) == CENTRAL["members"] + CENTRAL["alternates"]
        and leaders.alternate.sum() == CENTRAL["alternates"]
    )
    assert len(ex_officio) > 0 and set(ex_officio.member) <= set(leaders.ids)
    assert ex_officio.day.max() < delegates[delegates.level != "ex_officio"].day.min()
    assert set(simulation.world.sectors(leaders.ids)) <= {0, 1}  # the body's own sector shares (party and state only)


def test_credential_review_strikes_every_ineligible_delegate():
    strict = {"conviction_probability": 1.0, "causes": {"lax_discipline": {"rate_per_year": 2.0, "level": "warning"}}}
    cycle = {**TIERED, "credential_review": "2017-05-20", "congress": "2017-05-25"}
    simulation, result = simulate(
        tiered_scenario(cycle=cycle, discipline=strict, attrition={"death_rate": 0.3}, congress={"replacement": "none"})
    )
    ev = result.events
    review = day_of(simulation, cycle["credential_review"])
    delegates = set(ev[ev.kind == "delegate"].member)
    struck = set(ev[ev.kind == "struck"].member)
    history = ev[ev.kind.isin(["punishment", "punishment_lifted", "amnesty", "exit"]) & ev.member.isin(delegates)]
    history = history[history.day < review]
    last = history.groupby("member").kind.last()
    ineligible = set(last[last.isin(["punishment", "exit"])].index)
    assert len(ineligible) > 3
    assert ineligible <= struck
    report = result.summary["congress"][0]
    assert sum(report["struck"].values()) == len(struck)
    assert not struck & set(ev[ev.kind == "congress_opened"].member)


def test_a_struck_delegate_is_replaced_by_an_observer_of_the_same_province():
    strict = {"conviction_probability": 1.0, "causes": {"lax_discipline": {"rate_per_year": 2.0, "level": "warning"}}}
    cycle = {**TIERED, "credential_review": "2017-05-20", "congress": "2017-05-25", "observers_total": 40}
    _, result = simulate(tiered_scenario(cycle=cycle, discipline=strict, congress={"replacement": "observer"}))
    ev = result.events
    report = result.summary["congress"][0]
    promoted = set(ev[(ev.kind == "delegate") & (ev.level == "replacement")].member)
    assert report["replaced"] == len(promoted) > 0
    assert promoted <= set(ev[ev.kind == "observer"].member)


def test_a_cycle_decided_eight_months_ahead_runs_and_each_tier_acts():
    cycle = {
        **TIERED,
        "announce": "2016-08-05",
        "assemblies_open": "2016-12-03",
        "assemblies_close": "2016-12-20",
        "report_deadline": "2016-12-24",
        "conferences": [
            {"level": "county", "date": "2017-01-09", "close": "2017-02-10", "shortlist_factor": 3},
            {"level": "province", "date": "2017-02-13", "close": "2017-03-20"},
        ],
    }
    _, result = simulate(tiered_scenario(cycle=cycle), events=False)
    (report,) = result.summary["congress"]
    assert report["assemblies"] > 100 and report["recommended"] > 100
    for tier in report["conferences"]:
        assert tier["conferences_held"] > 0 and tier["delegates_elected"] > 0, tier
    assert report["conferences"][1]["delegates_elected"] == TIERED["delegates_total"]
    assert result.timeseries["congresses_held"].sum() == 1
    assert result.timeseries["delegates_county_tier"].max() == report["conferences"][0]["delegates_elected"]


def test_a_delegate_who_bribed_and_has_ties_is_attributed_to_bribery():
    simulation = Simulation(tiered_scenario())
    congress, pop = simulation.world.mechanisms["congress"], simulation.world.pop
    state = CycleState(CongressCycle.model_validate(TIERED), 0)
    ids = np.arange(10)
    state.briber = np.zeros(pop.n, dtype=bool)
    state.briber[ids[:5]] = True
    state.cadre_keys = np.unique(congress._tie_key(ids))
    state.achiever = np.ones(pop.n, dtype=bool)
    route = congress._route(ids, state)
    assert (route[:5] == ROUTE["bribery"]).all() and (route[5:] == ROUTE["ties"]).all()


def test_campaign_credits_come_in_installments_and_count_only_before_the_day_and_until_they_expire():
    campaign = {
        "name": "battle",
        "start": "2016-09-01",
        "end": "2016-10-30",
        "achiever_share": 0.3,
        "installments": 3,
        "credit_valid_days": 20,
    }
    simulation, result = simulate(small_scenario(campaigns=[campaign]))
    campaigns = simulation.world.mechanisms["campaigns"]
    days = campaigns.credit_days(0)
    credited = result.events[result.events.kind == "achiever"]
    assert sorted(credited.day.unique()) == days and days[-1] == day_of(simulation, "2016-10-30")
    first = credited[credited.day == days[0]].member.to_numpy()
    n = simulation.world.pop.n
    assert not campaigns.achievers_on(days[0], n)[first].any()  # not before its day
    assert campaigns.achievers_on(days[0] + 1, n)[first].all()
    later = set(credited[credited.day > days[0]].member)
    only_first = np.array([m for m in first if m not in later])
    assert not campaigns.achievers_on(days[0] + 20, n)[only_first].any()  # expired
    # The answer is kept while the same credits count: asked for more members, those past the last
    # credited hold none; asked for fewer, the same flags.
    held = campaigns.achievers_on(days[0] + 1, n)
    assert len(held) == n and held.sum() == len(first)
    grown = campaigns.achievers_on(days[0] + 1, n + 7)
    assert len(grown) == n + 7 and (grown[:n] == held).all() and not grown[n:].any()
    assert (campaigns.achievers_on(days[0] + 1, int(first[-1]) + 1) == held[: first[-1] + 1]).all()
    assert (campaigns.achievers_on(days[0] + 1) == held[: first[-1] + 1]).all()  # without n: to the last credited


def test_shipped_amnesty_orders_come_before_the_assemblies():
    for name in ("kpa-8th-congress.yaml", "national-8th-congress.yaml", "national-7th-congress.yaml"):
        scenario = sim.load_scenario(SCENARIOS / name)
        (cycle,) = scenario.congress.cycles
        assert any(cycle.announce <= order.date <= cycle.assemblies_close for order in scenario.amnesty.orders), name


def test_without_the_amnesty_fewer_previously_punished_members_are_recommended(tmp_path):
    overrides = [
        "population.members=8000",
        "start=2019-06-01",
        "duration=2y",
        "congress.cycles.0.delegates_total=12",
        "congress.cycles.0.ex_officio_total=2",
        "congress.cycles.0.observers_total=4",
    ]
    arms = load_arms(str(SCENARIOS / "kpa-8th-congress.yaml"), [str(SCENARIOS / "variants/no-amnesty.yaml")], overrides)
    outcome = {"punished_recommended": "summary:congress.0.recommended_previously_punished"}
    report = run_comparison(arms, 5, 11, tmp_path / "out", InProcess(), outcome, show_progress=False)
    (row,) = report.table.itertuples()
    assert row.paired and row.ci_high < 0, row


def test_the_national_summary_shows_the_composition_beside_the_published_figures():
    overrides = [
        "population.members=40000",
        "start=2020-01-01",
        "duration=13m",
        "congress.cycles.0.delegates_total=200",
        "congress.cycles.0.observers_total=80",
    ]
    result = sim.run(sim.load_scenario(SCENARIOS / "national-8th-congress.yaml", overrides))
    (report,) = result.summary["congress"]
    beside = report["beside_published"]
    assert "KCNA" in beside["source"]
    figures = beside["figures"]
    assert figures["ex_officio"] == {"model": report["ex_officio"], "published": 250}
    assert figures["observers"]["published"] == 2000 and figures["sector_field_labour"]["published"] == 1455
    assert report["slots_per_member_spread"]["best_to_worst"] > 1.2


def test_basic_organizations_assemble_once_for_all_their_cells():
    # A fixed structure: the units that assemble are scheduled when the cycle opens, and a direct cell
    # that re-organization moves into a new sub-primary later keeps its own assembly (tested below).
    scenario = tiered_scenario(congress={"assemblies": "basic_organizations"}, organization={"reorganize": False})
    simulation, result = simulate(scenario)
    ev, orgs = result.events, simulation.world.orgs
    assemblies = ev[ev.kind == "general_assembly"]
    assert assemblies.org.is_unique
    kinds = orgs.kind[assemblies.org.to_numpy()]
    assert (kinds == Kind.PRIMARY).sum() > 10
    assert not np.isin(kinds, [Kind.BRANCH]).any()
    direct = assemblies.org[np.isin(kinds, MEMBER_UNITS)].to_numpy()
    assert (orgs.kind[orgs.parent[direct]] == Kind.COUNTY).all()  # only cells outside any basic organization
    recommended = ev[ev.kind == "recommended"]
    per_assembly = pd.Series(orgs.basic_org(recommended.org.to_numpy())).value_counts()
    assert per_assembly.max() > 2  # a primary recommends for all its cells (2 per cell here)


@pytest.mark.parametrize("assemblies", ["cells", "basic_organizations"])
def test_units_created_during_the_windows_do_not_break_the_cycle(assemblies):
    simulation = Simulation(tiered_scenario(congress={"assemblies": assemblies, "central_committee": CENTRAL}))
    world = simulation.world
    congress, orgs, pop = world.mechanisms["congress"], world.orgs, world.pop
    cycle = CongressCycle.model_validate(TIERED)
    state = CycleState(cycle, 0)
    cells = np.flatnonzero(orgs.column("kind") == Kind.CELL)[:3]
    steps = congress.timeline(state)
    for i, (day, step) in enumerate(steps):
        if i % 5 == 1:  # re-organization adds cells (copies of existing ones) between the steps
            orgs.copy_rows(cells)
            pop.ensure_orgs(orgs.n)
        step(day, state)
    (report,) = congress.reports
    assert report["conferences"][-1]["delegates_elected"] == TIERED["delegates_total"]


def _drive_until(congress, state: CycleState, last, including: bool = True) -> int:
    """Run the cycle's steps by hand, in the timeline's order, up to the step ``last``; return its day."""
    for day, step in congress.timeline(state):
        if step == last and not including:
            return day
        step(day, state)
        if step == last:
            return day
    raise AssertionError(f"{last} is not in the timeline")


@pytest.mark.parametrize("detection", [1.0, 0.5])
def test_an_inspection_refers_the_detected_bribers_of_the_delegate_pool_for_bribery(detection):
    """congress.inspection_detection: "Probability an inspection detects a briber, who is referred for discipline
    (cause bribery)" — only bribers among the recommended, each with that probability (Scenario rule)."""
    cycle = {**TIERED, "inspection": "2017-02-12"}
    section = {"inspection_detection": detection, "bribe_propensity": 0.5, "bribe_price": 0.0}
    simulation = Simulation(tiered_scenario(cycle=cycle, congress=section), seed=3)
    world = simulation.world
    congress, pop, discipline = world.mechanisms["congress"], world.pop, world.mechanisms["discipline"]
    state = CycleState(CongressCycle.model_validate(cycle), 0)
    _drive_until(congress, state, congress.inspect)
    in_race = np.flatnonzero((pop.delegate[: pop.n] > 0) & state.briber[: pop.n])
    assert len(in_race) > 40 and (state.briber[: pop.n] & (pop.delegate[: pop.n] == 0)).any()
    detected = state.detected
    assert np.isin(detected, in_race).all()
    assert state.counts["bribers_detected"] == len(detected) == world.tally.take()["bribers_detected"]
    referred = np.flatnonzero(pop.referral_due[: pop.n] > day_of(simulation, cycle["inspection"]))
    assert set(referred) >= set(detected)
    assert (pop.referral_cause[detected] == discipline.causes.index("bribery")).all()
    if detection == 1.0:
        assert len(detected) == len(in_race)
    else:  # binomial: 3 standard deviations either side of half
        half, sd = len(in_race) / 2, np.sqrt(len(in_race)) / 2
        assert abs(len(detected) - half) < 3 * sd and len(detected) < len(in_race)


#: One tier only: the county conferences elect the Congress delegates.
ONE_TIER = {**TIERED, "conferences": [{"level": "county", "date": "2017-02-15", "close": "2017-03-05"}]}


@pytest.mark.parametrize("cycle", [TIERED, ONE_TIER], ids=["province", "county"])
def test_struck_elected_delegates_are_replaced_by_observers_of_their_unit_and_ex_officio_are_not(cycle):
    """congress.replacement 'observer': "an observer of the same provincial-level unit" (the last tier's unit) takes
    the seat of each delegate struck at the credential review (assumption of the scenario; congresses.yaml, step 5)."""
    cycle = {**cycle, "observers_total": 60, "ex_officio_total": 6}
    simulation = Simulation(tiered_scenario(cycle=cycle, congress={"replacement": "observer"}), seed=2)
    world = simulation.world
    congress, pop, orgs = world.mechanisms["congress"], world.pop, world.orgs
    state = CycleState(CongressCycle.model_validate(cycle), 0)
    day = _drive_until(congress, state, congress.review_credentials, including=False)
    delegates = np.flatnonzero(pop.delegate[: pop.n] == 9)
    ex_officio = delegates[pop.delegate_route[delegates] == ROUTE["ex_officio"]]
    elected = np.setdiff1d(delegates, ex_officio)
    area = (orgs.province if cycle["conferences"][-1]["level"] == "province" else orgs.county)[pop.cell[: pop.n]]
    first = elected[area[elected] == area[elected[0]]][:3]
    struck_elected = np.concatenate([first, elected[area[elected] != area[elected[0]]][:2]])
    struck = np.concatenate([struck_elected, ex_officio[:2]])
    observers_before = np.flatnonzero(pop.delegate[: pop.n] == 10)
    selected_before, observer_count = congress.selected, congress.observers
    pop.status[struck] = Status.EXITED
    congress.review_credentials(day, state)
    promoted = np.setdiff1d(np.flatnonzero(pop.delegate[: pop.n] == 9), delegates)
    assert state.counts["struck"]["left_party"] == len(struck) and state.counts["replaced"] == len(promoted) == 5
    assert np.isin(promoted, observers_before).all()
    assert sorted(area[promoted]) == sorted(area[struck_elected])
    assert (pop.delegate[struck] == 0).all()
    assert congress.selected == selected_before - len(struck) + len(promoted)
    assert congress.observers == observer_count - len(promoted)
    assert (pop.delegate_route[promoted] == congress._route(promoted, state)).all()
    assert (pop.delegate_route[promoted] != 0).all()


def test_the_credential_review_strikes_detected_bribers():
    """congresses.yaml, step 5: the review strikes delegates now ineligible — detected bribers among them."""
    simulation = Simulation(tiered_scenario(), seed=2)
    congress, pop = simulation.world.mechanisms["congress"], simulation.world.pop
    state = CycleState(CongressCycle.model_validate(TIERED), 0)
    day = _drive_until(congress, state, congress.review_credentials, including=False)
    delegates = np.flatnonzero(pop.delegate[: pop.n] == 9)
    state.detected = delegates[:4]
    congress.review_credentials(day, state)
    assert state.counts["struck"] == {"left_party": 0, "punished": 0, "detected_briber": 4}
    assert (pop.delegate[delegates[:4]] == 0).all() and (pop.delegate[delegates[4:]] == 9).all()


def test_the_composition_is_set_beside_each_published_figure_the_cycle_names():
    """congresses.yaml ("published"): the model's delegates, elected (total less ex officio), ex officio, observers,
    women and sectors beside the published figures; a figure the source does not give is left out."""
    (cycle,) = sim.load_scenario(SCENARIOS / "national-8th-congress.yaml").congress.cycles
    published = cycle.published
    sectors = dict.fromkeys(published.by_sector, 0) | {"field_labour": 7}
    report = {"delegates_selected": 100, "ex_officio": 30, "observers": 12, "women": 9, "by_sector": sectors}
    beside = Congress._beside_published(report, cycle)
    figures = beside["figures"]
    assert beside["source"] == published.source
    assert figures["delegates_total"] == {"model": 100, "published": published.delegates_total}
    assert figures["delegates_elected"] == {"model": 70, "published": published.delegates_elected}
    assert figures["ex_officio"] == {"model": 30, "published": published.ex_officio}
    assert figures["observers"] == {"model": 12, "published": published.observers}
    assert figures["women"] == {"model": 9, "published": published.women}
    assert figures["sector_field_labour"] == {"model": 7, "published": published.by_sector["field_labour"]}
    assert len(figures) == 5 + len(published.by_sector)
    unknown = cycle.model_copy(update={"published": published.model_copy(update={"observers": None})})
    assert "observers" not in Congress._beside_published(report, unknown)["figures"]
    with pytest.raises(ValueError, match="no published figures"):
        Congress._beside_published(report, cycle.model_copy(update={"published": None}))


def test_the_congress_report_gives_the_cycles_dates_and_counts():
    """summary.json's congress entry: the cycle's timeline as dated in the scenario, beside the cycle's counts."""
    cycle = {**TIERED, "inspection": "2017-02-12"}
    bribery = {"bribe_propensity": 0.5, "bribe_price": 0.0, "inspection_detection": 0.5}  # some bribers are caught
    simulation = Simulation(tiered_scenario(cycle=cycle, congress=bribery), seed=2)
    congress = simulation.world.mechanisms["congress"]
    state = CycleState(CongressCycle.model_validate(cycle), 0)
    _drive_until(congress, state, congress.open_congress)
    (report,) = congress.reports
    dates = {key: cycle[key] for key in ("announce", "assemblies_open", "assemblies_close", "report_deadline")}
    dates |= {key: cycle[key] for key in ("inspection", "credential_review", "congress")}
    assert {key: report[key] for key in dates} == dates and report["name"] == "tiered"
    tiers = [{key: tier[key] for key in ("level", "date", "close")} for tier in report["conferences"]]
    assert tiers == [{"level": c["level"], "date": c["date"], "close": c["close"]} for c in cycle["conferences"]]
    assert report["assemblies"] == state.counts["assemblies"] > 0
    assert report["bribers"] == state.counts["bribers"] and report["units_late"] == state.counts["units_late"]
    assert report["bribers_detected"] == len(state.detected) > 0
    struck = sum(report["struck"].values())
    assert struck > 0 and report["replaced"] == 0  # detected bribers struck; no replacement by default
    assert report["recommended"] > report["delegates_selected"] == TIERED["delegates_total"] - struck
    assert report["slots_total"] == TIERED["delegates_total"]
    assert sum(report["by_route"].values()) == report["delegates_selected"]
    assert sum(report["by_sector"].values()) == report["delegates_selected"]
    assert report["ex_officio_unfilled"] == 0 and report["ex_officio"] == 0  # the cycle asks for no ex officio
    for tier in report["conferences"]:  # each tier's elected, by route and sex
        assert sum(tier["by_route"].values()) == sum(tier["by_sector"].values()) == tier["delegates_elected"] > 0
        assert 0 < tier["women"] < tier["delegates_elected"]
    no_review = CycleState(CongressCycle.model_validate({**TIERED, "credential_review": None}), 1)
    _drive_until(congress, no_review, congress.open_congress)
    assert congress.reports[-1]["inspection"] is None and congress.reports[-1]["credential_review"] is None


def test_every_delegate_event_names_the_members_unit_and_the_cycle_or_tier():
    """events.parquet: a row per event with the member, their unit (org) and the cause — the cycle's name, or the
    tier's level for the conferences' elections — replacements included."""
    cycle = {**TIERED, "observers_total": 60}
    scenario = tiered_scenario(cycle=cycle, congress={"replacement": "observer"})
    simulation = Simulation(scenario, seed=2, events=True)
    world = simulation.world
    congress, pop = world.mechanisms["congress"], world.pop
    state = CycleState(CongressCycle.model_validate(cycle), 0)
    day = _drive_until(congress, state, congress.review_credentials, including=False)
    pop.status[np.flatnonzero(pop.delegate[: pop.n] == 9)[:5]] = Status.EXITED
    congress.review_credentials(day, state)
    ev = world.events.frame(world.calendar.start64)
    assert (ev.level == "replacement").sum() == 5
    for kind in ("recommended", "elected", "observer", "delegate", "struck"):
        rows = ev[ev.kind == kind]
        assert len(rows) > 0, kind
        assert (rows.org.to_numpy() == pop.cell[rows.member.to_numpy()]).all(), kind  # no re-organization here
        causes = {"county", "province"} if kind == "elected" else {"tiered"}
        assert set(rows.cause) == causes, kind


def test_the_slot_spread_compares_the_best_and_worst_tenth_of_units_by_score():
    """summary slots_per_member_spread: slots per member of the first tier's units, best tenth by score against the
    worst tenth ("units that scored well received more slots", congresses.yaml); no ratio when the worst get none."""
    congress = Simulation(tiered_scenario()).world.mechanisms["congress"]
    size = np.array([0] + [100] * 20)  # unit 0 has no members and is left out
    score = np.r_[9.0, np.arange(20.0)]
    quota = np.r_[50, np.arange(20) + 1]
    spread = congress._slot_spread(quota, size, score)
    assert spread == pytest.approx(
        {
            "units_per_tenth": 2,
            "best_tenth_slots_per_1000": 1000 * (19.5 / 100),
            "worst_tenth_slots_per_1000": 1000 * (1.5 / 100),
            "best_to_worst": 13.0,
        }
    )
    quota[1:3] = 0
    assert congress._slot_spread(quota, size, score)["best_to_worst"] is None
    assert congress._slot_spread(quota, np.r_[0, 100, np.zeros(19, dtype=int)], score) == {}


def test_each_campaign_installment_credits_its_part_of_the_achiever_share_among_active_members_of_its_sectors():
    """campaigns[].installments: the achiever share is credited in equal parts, one per installment (assumption);
    ``sectors`` restricts the credits to members of those sectors."""
    campaign = {
        "name": "battle",
        "start": "2016-09-01",
        "end": "2016-10-30",
        "achiever_share": 0.6,
        "installments": 3,
        "sectors": ["party_political", "state_economic"],
    }
    simulation, result = simulate(small_scenario(duration="6m", campaigns=[campaign]))
    pop, credited = simulation.world.pop, result.events[result.events.kind == "achiever"]
    allowed = {SECTORS.index("party_political"), SECTORS.index("state_economic")}
    assert set(simulation.world.sectors(credited.member.to_numpy())) <= allowed and set(credited.cause) == {"battle"}
    eligible = np.isin(simulation.world.sectors(np.arange(pop.n)), list(allowed)).sum()
    p = campaign["achiever_share"] / campaign["installments"]
    counts = credited.groupby("day").size()
    assert len(counts) == 3
    for k in counts:  # binomial(eligible, p) each: within 4 standard deviations
        assert abs(k - eligible * p) < 4 * np.sqrt(eligible * p * (1 - p)), (k, eligible * p)
    (summary,) = result.summary["campaigns"]
    assert summary == {
        **{key: campaign[key] for key in ("name", "start", "end", "installments")},
        "achievers": len(credited),
    }


@pytest.mark.parametrize("total", [500, 501])
def test_a_basic_organization_of_more_than_500_members_holds_a_representative_meeting(total):
    """congresses.yaml, step 2: a primary organization holds a general membership meeting, "a representative meeting
    when it has more than 500 members" (congress.assemblies 'basic_organizations')."""
    scenario = tiered_scenario(congress={"assemblies": "basic_organizations"}, organization={"reorganize": False})
    world = Simulation(scenario).world
    congress, pop, orgs = world.mechanisms["congress"], world.pop, world.orgs
    cells = np.flatnonzero(np.isin(orgs.column("kind"), MEMBER_UNITS))
    basic = orgs.basic_org(cells)
    primary = basic[orgs.kind[basic] == Kind.PRIMARY][0]
    inside = cells[basic == primary]
    counts = []
    for size in (total, 0):  # the primary at ``total`` members, then at none (the others' meetings)
        pop.org_size[inside] = 0
        pop.org_size[inside[0]] = size
        state = CycleState(CongressCycle.model_validate(TIERED), 0)
        congress.announce(0, state)
        counts.append(state.counts["representative_meetings"])
    assert counts[0] - counts[1] == (total > 500)


def test_a_conference_of_a_one_day_tier_falls_on_that_day():
    """congresses.yaml: each tier's conferences are held inside its window — here a window of one day."""
    cycle = {**TIERED, "conferences": [{"level": "county", "date": "2017-02-15"}, TIERED["conferences"][1]]}
    simulation = Simulation(tiered_scenario(cycle=cycle))
    congress = simulation.world.mechanisms["congress"]
    state = CycleState(CongressCycle.model_validate(cycle), 0)
    _drive_until(congress, state, congress.close_reports)
    days = state.tiers[0].day[state.tiers[0].quota > 0]
    assert len(days) > 3 and (days == day_of(simulation, "2017-02-15")).all()
