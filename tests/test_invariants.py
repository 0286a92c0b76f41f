"""Every invariant stops a run with a clear message when a violation is injected."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Simulation
from sim.invariants import InvariantError
from sim.mechanisms.attrition import Attrition
from sim.mechanisms.congress import Congress
from sim.mechanisms.meetings import Meetings
from sim.mechanisms.reorganization import Reorganization
from sim.organizations import Kind
from tests.conftest import simulate, small_scenario
from tests.test_congress import congress_scenario


def _run_expecting(scenario, invariant: str) -> str:
    with pytest.raises(InvariantError) as error:
        Simulation(scenario).run()
    message = str(error.value)
    assert f"invariant '{invariant}' violated on " in message
    return message


def test_a_clean_run_passes_every_check():
    _, result = simulate(small_scenario(), events=False)
    assert result.timeseries["admitted"].sum() > 0


def test_negative_counts_are_caught(monkeypatch):
    original = Attrition.step

    def step(self, day):
        original(self, day)
        self.world.tally.add("exits_death", -5)

    monkeypatch.setattr(Attrition, "step", step)
    message = _run_expecting(small_scenario(), "no negative counts")
    assert "exits_death" in message


def test_flows_that_do_not_add_up_are_caught(monkeypatch):
    original = Attrition.step

    def step(self, day):
        original(self, day)
        self.world.pop.flows[:] = 0  # lose the week's transitions

    monkeypatch.setattr(Attrition, "step", step)
    message = _run_expecting(small_scenario(), "stock = previous + inflows - outflows")
    assert "flows give" in message


def test_missed_meetings_are_caught(monkeypatch):
    original = Meetings.step

    def step(self, day):
        if day != 40:
            original(self, day)

    monkeypatch.setattr(Meetings, "step", step)
    scenario = small_scenario(organization={"reorganize": False})
    message = _run_expecting(scenario, "recorded meetings match the calendar")
    assert "cell meetings recorded" in message


def test_a_member_outside_every_organization_is_caught():
    simulation = Simulation(small_scenario())
    pop, orgs = simulation.world.pop, simulation.world.orgs
    pop.cell[7] = orgs.ids_of(Kind.COUNTY)[0]  # a county committee holds no members directly
    with pytest.raises(InvariantError, match="every active member in exactly one organization.*member 7"):
        simulation.run()


def test_a_cell_left_too_large_after_reorganization_is_caught(monkeypatch):
    monkeypatch.setattr(Reorganization, "_split_large_cells", lambda self, day, cells: cells[:0])
    scenario = small_scenario(membership={"applications_per_member_year": 0.4})
    message = _run_expecting(scenario, "cells within bylaw bounds after re-organization")
    assert "above 30" in message and "organization" in message


def test_a_punished_delegate_is_caught(monkeypatch):
    def candidates(self, mask):
        return np.flatnonzero(mask & (self.world.pop.status[: self.world.pop.n] > 0))

    monkeypatch.setattr(Congress, "_candidates", candidates)
    strict = {"conviction_probability": 1.0, "causes": {"lax_discipline": {"rate_per_year": 1.0, "level": "warning"}}}
    message = _run_expecting(congress_scenario(discipline=strict), "punished members are not selected unless amnestied")
    assert "under punishment level" in message


def test_cli_reports_a_violation_in_one_line_with_exit_3(tmp_path, capsys, monkeypatch):
    from sim.cli import main
    from tests.conftest import SCENARIOS, UNDATED

    original = Attrition.step
    monkeypatch.setattr(Attrition, "step", lambda self, day: (original(self, day), self.world.tally.add("exits_death", -1)))
    out = tmp_path / "out"
    args = ["run", str(SCENARIOS / "county.yaml"), "--out", str(out), "--quiet", "--set", "duration=1y",
            *(a for o in UNDATED for a in ("--set", o))]
    assert main(args) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no negative counts" in err
    assert not out.exists()
    assert main(args + ["--no-checks"]) == 0
