"""The pre-Congress cycle (source: Daily NK on the army's 8th Congress preparations)."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import ladder
from sim.model.apportionment import apportion
from sim.run.engine import Simulation
from sim.scenario import ScenarioError
from tests.conftest import SCENARIOS, simulate, small_scenario

CYCLE = {
    "name": "test",
    "announce": "2017-01-10",
    "assemblies_open": "2017-02-04",
    "assemblies_close": "2017-02-09",
    "report_deadline": "2017-02-11",
    "conferences": [
        {"level": "county", "date": "2017-03-01", "shortlist_factor": 2},
        {"level": "province", "date": "2017-03-20"},
    ],
    "congress": "2017-04-05",
    "delegates_total": 60,
    "ex_officio_total": 5,
}


def congress_scenario(cycles=(CYCLE,), members=3000, **sections):
    congress = {"enabled": True, "recommendations_per_cell": 2, "cycles": list(cycles), **sections.pop("congress", {})}
    scenario = small_scenario(population={"members": members}, **sections)
    return scenario.model_copy(update={"congress": type(scenario.congress).model_validate(congress)})


def test_every_general_assembly_falls_inside_its_window():
    simulation, result = simulate(congress_scenario())
    ev = result.events
    assemblies = ev[ev.kind == "general_assembly"]
    cal = simulation.world.calendar
    assert assemblies.day.min() >= cal.day(np.datetime64("2017-02-04").astype(object))
    assert assemblies.day.max() <= cal.day(np.datetime64("2017-02-09").astype(object))
    assert len(assemblies) == result.summary["congress"][0]["assemblies"] > 200
    assert assemblies.org.is_unique  # every cell and branch exactly once


def assert_slots_filled(result, report: dict) -> None:
    """Every slot is filled at the last conference; the Congress counts those chosen who are still members."""
    ev = result.events
    chosen = ev[(ev.kind == "delegate") & (ev.cause == report["name"])]
    assert (chosen.level != "ex_officio").sum() == report["slots_total"] == CYCLE["delegates_total"]
    left = ev[ev.kind.isin(["exit", "punishment"]) & ev.member.isin(chosen.member)]
    assert len(chosen) - left.member.nunique() <= report["delegates_selected"] <= len(chosen)


def test_slot_totals_equal_the_configured_total_and_ex_officio_come_first():
    _, result = simulate(congress_scenario())
    assert_slots_filled(result, result.summary["congress"][0])
    delegates = result.events[result.events.kind == "delegate"]
    assert delegates.member.is_unique
    ex_officio = delegates[delegates.level == "ex_officio"]
    assert delegates[delegates.level != "ex_officio"].day.min() >= ex_officio.day.max()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.1, 1000), min_size=2, max_size=30),
    st.integers(1, 500),
    st.sampled_from(["largest_remainder", "sainte_lague"]),
    st.floats(1.01, 5),
)
def test_apportionment_totals_and_monotone_in_score(votes, seats, method, boost):
    votes = np.array(votes)
    base = apportion(votes, seats, method)
    assert base.sum() == seats and (base >= 0).all()
    raised = votes.copy()
    raised[0] *= boost
    assert apportion(raised, seats, method)[0] >= base[0]


def test_punished_members_are_never_selected_unless_amnestied():
    strict = {"conviction_probability": 1.0, "causes": {"lax_discipline": {"rate_per_year": 0.3, "level": "warning"}}}
    _, result = simulate(congress_scenario(discipline=strict))
    ev = result.events  # rows in the order things happened (a punishment later on the selection day comes after)
    delegates = ev[ev.kind == "delegate"]
    assert len(delegates) >= CYCLE["delegates_total"]
    punishing = ev[ev.kind.isin(["punishment", "punishment_lifted", "amnesty"])]
    for row in delegates.itertuples():
        history = punishing[(punishing.member == row.member) & (punishing.index < row.Index)]
        assert history.empty or history.kind.iloc[-1] != "punishment", row


def test_amnesty_lifts_exactly_the_configured_causes_and_levels():
    order = {"date": "2017-06-01", "causes": ["insincerity"], "levels": ["warning", "severe_warning"]}
    scenario = small_scenario(amnesty={"enabled": True, "orders": [order]})
    simulation = Simulation(scenario, events=True)
    discipline, amnesty = simulation.world.mechanisms["discipline"], simulation.world.mechanisms["amnesty"]
    pop = simulation.world.pop
    ids = np.arange(0, 400, 4)
    causes = np.array([discipline.causes.index(c) for c in ("insincerity", "desertion")] * 50, dtype=np.int8)
    levels = np.tile(np.repeat(np.array([1, 2, 3, 4, 2], dtype=np.int8), 2), 10)
    for level in np.unique(levels):
        chosen = levels == level
        discipline._punish(0, ids[chosen], levels[chosen], causes[chosen])
    before = pop.punish_level[ids].copy()
    amnestied = amnesty.execute(10, 0)
    expected = ids[(causes == discipline.causes.index("insincerity")) & np.isin(levels, [1, 2])]
    assert np.array_equal(np.sort(amnestied), expected)
    assert (pop.punish_level[expected] == 0).all() and pop.amnestied[expected].all()
    others = np.setdiff1d(ids, expected)
    assert np.array_equal(pop.punish_level[others], before[np.isin(ids, others)])
    pop.check_consistency()


def _briber_shares(strength: float, seeds=range(4)) -> tuple[float, float, int]:
    """Share of bribers among elected delegates and among members, pooled over seeds."""
    selected = bribers_selected = members = bribers = 0
    for seed in seeds:
        scenario = congress_scenario(
            congress={"bribe_propensity": 0.3, "bribe_price": 0.5, "selection": {"bribery": strength, "ties": 0.0}}
        )
        simulation, result = simulate(scenario, seed=seed, events=False)
        report = result.summary["congress"][0]
        elected = report["delegates_selected"] - report["ex_officio"]
        selected += elected
        bribers_selected += report["bribers_elected"]
        members += simulation.world.pop.n
        bribers += report["bribers"]
    return bribers_selected / selected, bribers / members, selected


def test_without_bribery_selection_is_independent_of_wealth():
    share_selected, share_members, n = _briber_shares(0.0)
    assert share_members > 0.05
    # Under independence the bribers among n delegates are ~Binomial(n, p).
    sd = math.sqrt(share_members * (1 - share_members) / n)
    assert abs(share_selected - share_members) < 4 * sd


def test_distorted_share_rises_with_the_strength_of_bribery_and_ties():
    shares = [_briber_shares(strength)[0] for strength in (0.0, 2.0, 8.0, 32.0)]
    assert all(b > a for a, b in itertools.pairwise(shares)), shares
    ties = []
    for strength in (0.0, 4.0, 32.0):
        scenario = congress_scenario(congress={"bribe_propensity": 0.0, "selection": {"ties": strength}})
        _, result = simulate(scenario, seed=3, events=False)
        ties.append(result.summary["congress"][0]["by_route"]["ties"])
    assert ties[0] <= ties[1] <= ties[2] and ties[2] > ties[0], ties


def test_two_congress_cycles_in_one_run_both_complete():
    second = {
        **CYCLE,
        "name": "second",
        "announce": "2018-01-10",
        "assemblies_open": "2018-02-03",
        "assemblies_close": "2018-02-08",
        "report_deadline": "2018-02-10",
        "conferences": [{"level": "county", "date": "2018-03-01"}],
        "congress": "2018-04-05",
    }
    scenario = congress_scenario(cycles=(CYCLE, second), duration="3y")
    _, result = simulate(scenario)
    reports = result.summary["congress"]
    assert [r["name"] for r in reports] == ["test", "second"]
    for report in reports:
        assert_slots_filled(result, report)
    ts = result.timeseries
    assert ts["congresses_held"].sum() == 2
    assert ts["delegates_selected"].iloc[-1] == 0  # the stock closes with each Congress


def test_campaign_achievers_are_preferred():
    campaign = [{"name": "flood", "start": "2016-09-01", "end": "2016-10-01", "achiever_share": 0.05}]
    _, with_weight = simulate(congress_scenario(campaigns=campaign), events=False)
    _, without = simulate(
        congress_scenario(campaigns=campaign, congress={"selection": {"achiever": 1.0}}), events=False
    )
    assert with_weight.summary["congress"][0]["by_route"]["achievers"] > 3 * max(
        without.summary["congress"][0]["by_route"]["achievers"], 1
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("assemblies_close", "2017-01-01", "assemblies_close on or after assemblies_open"),
        ("congress", "2017-03-10", "congress on or after conferences.1.date"),
    ],
)
def test_timeline_out_of_order_is_an_error(field, value, message):
    bad = {**CYCLE, field: value}
    with pytest.raises(ScenarioError, match=message):
        sim.load_scenario(SCENARIOS / "county.yaml", ["duration=2y", f"congress.cycles={json.dumps([bad])}"])


def test_a_route_is_a_lever_that_acted_not_a_trait_the_selection_ignores():
    """With ties and bribes weighing nothing, delegates who share a tie group with a cadre or paid are counted
    (tied_elected, bribers_elected) but none got in by ties or bribery (by_route)."""
    scenario = congress_scenario(
        congress={"bribe_propensity": 0.3, "bribe_price": 0.5, "selection": {"bribery": 0.0, "ties": 0.0}}
    )
    report = simulate(scenario, seed=3, events=False)[1].summary["congress"][0]
    assert report["tied_elected"] > 0 and report["bribers_elected"] > 0
    assert report["by_route"]["ties"] == 0 and report["by_route"]["bribery"] == 0
    for selection, propensity, route in (({"ties": 1.0}, 0.0, "ties"), ({"bribery": 1.0}, 0.3, "bribery")):
        weighed = congress_scenario(
            congress={"bribe_propensity": propensity, "bribe_price": 0.5, "selection": selection}
        )
        assert simulate(weighed, seed=3, events=False)[1].summary["congress"][0]["by_route"][route] > 0, route


def test_amnesty_educates_the_punished_of_the_educate_causes_without_lifting_and_reports_the_order():
    """amnesty.orders[].educate_causes: "Causes whose punished members get ideological education instead ('reward
    with loyalty'), not lifting"; education closes ``education_effect`` of the gap to full sincerity."""
    order = {"date": "2017-06-01", "causes": ["insincerity"], "educate_causes": ["desertion"], "education_effect": 0.5}
    simulation = Simulation(small_scenario(amnesty={"enabled": True, "orders": [order]}))
    discipline, amnesty = simulation.world.mechanisms["discipline"], simulation.world.mechanisms["amnesty"]
    pop = simulation.world.pop
    ids = np.arange(0, 297, 3)
    names = ("insincerity", "desertion", "bribery")
    causes = np.array([discipline.causes.index(c) for c in names] * 33, dtype=np.int8)
    discipline._punish(0, ids, np.full(len(ids), ladder.code("warning"), dtype=np.int8), causes)
    pop.sincerity[ids] = 0.4
    amnestied = amnesty.execute(10, 0)
    lifted, educated, untouched = (ids[causes == discipline.causes.index(c)] for c in names)
    assert np.array_equal(np.sort(amnestied), lifted)
    assert (pop.punish_level[educated] > 0).all() and (pop.punish_level[untouched] > 0).all()
    assert np.allclose(pop.sincerity[educated], 0.7) and np.allclose(pop.sincerity[untouched], 0.4)
    assert np.allclose(pop.sincerity[lifted], 0.7)  # the order's education comes with its lifting
    (report,) = amnesty.executed
    assert report == {
        "date": "2017-06-01",
        "lifted": len(lifted),
        "educated": len(educated),
        "by_cause": {"insincerity": len(lifted)},
        "by_level": {"warning": len(lifted)},
    }
    assert simulation.world.tally.take()["educated"] == len(educated)
