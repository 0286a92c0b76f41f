"""A unit whose assembly report misses the deadline has its recommendations not counted.

Source: the pre-Congress text: each unit "must make a final report of its
decisions ... by Saturday"; the scenario field
``congress.late_report_probability`` (a cell's report misses the deadline;
its recommendations are then not counted) models the units that do not.
"""

from __future__ import annotations

import sim
from tests.conftest import SCENARIOS, simulate


def congress_result(late_report_probability: float) -> dict:
    """The county's 8th Congress cycle (assemblies to Congress) for 800 members."""
    scenario = sim.load_scenario(
        SCENARIOS / "county.yaml",
        [
            "population.members=800",
            "start=2020-08-01",
            "duration=6m",
            "campaigns=[]",
            "amnesty.enabled=false",
            f"congress.late_report_probability={late_report_probability}",
        ],
    )
    _, result = simulate(scenario, seed=5)
    [cycle] = result.summary["congress"]
    return cycle


def test_recommendations_of_late_units_are_not_counted():
    cycle = congress_result(1.0)
    assert cycle["assemblies"] > 0 and cycle["units_late"] == cycle["assemblies"]
    assert cycle["recommended"] == 0


def test_units_reporting_on_time_all_recommend():
    cycle = congress_result(0.0)
    assert cycle["units_late"] == 0
    assert cycle["recommended"] > 0
