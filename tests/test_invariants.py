"""Every invariant stops a run with a clear message when a violation is injected."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

import sim
from sim.mechanisms.attrition import Attrition
from sim.mechanisms.congress import Congress
from sim.mechanisms.meetings import Meetings
from sim.mechanisms.reorganization import Reorganization
from sim.model.invariants import InvariantError, Invariants
from sim.model.organizations import Kind
from sim.model.population import Status
from sim.run.engine import Simulation
from tests.conftest import simulate, small_scenario
from tests.test_congress import congress_scenario


def _run_expecting(run: sim.Scenario | Simulation, invariant: str, on: dt.date | None = None) -> str:
    """Run until ``invariant`` stops it; the message names the invariant and the date (``on`` if given)."""
    simulation = run if isinstance(run, Simulation) else Simulation(run)
    with pytest.raises(InvariantError) as error:
        simulation.run()
    message = str(error.value)
    stamp = re.match(rf"invariant '{re.escape(invariant)}' violated on (\d{{4}}-\d{{2}}-\d{{2}}): ", message)
    assert stamp, message
    if on is not None:
        assert stamp.group(1) == on.isoformat(), message
    return message


def _last_day(simulation: Simulation) -> dt.date:
    """The date of the whole-table checks at the end of a run."""
    calendar = simulation.world.calendar
    return calendar.date(calendar.horizon - 1)


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


def test_a_forbidden_status_change_is_caught(monkeypatch):
    original = Attrition.step

    def step(self, day):
        original(self, day)
        self.world.pop.flows[Status.EXPELLED, Status.FULL] += 1  # readmitted: no rule moves anyone so

    monkeypatch.setattr(Attrition, "step", step)
    message = _run_expecting(small_scenario(), "only allowed status changes")
    assert "('EXPELLED', 'FULL')" in message


def test_missed_meetings_are_caught(monkeypatch):
    original = Meetings.step

    def step(self, day):
        if day != 40:
            original(self, day)

    monkeypatch.setattr(Meetings, "step", step)
    scenario = small_scenario(organization={"reorganize": False})
    message = _run_expecting(scenario, "recorded meetings match the calendar")
    assert "cell meetings recorded" in message


@pytest.mark.parametrize("outside", ["county committee", "no organization", "dissolved cell"])
def test_a_member_outside_every_organization_is_caught(outside):
    """A member with a status but no living cell or party team (a county committee holds no members directly)."""
    simulation = Simulation(small_scenario(duration="6m", organization={"reorganize": False}))
    pop, orgs = simulation.world.pop, simulation.world.orgs
    if outside == "dissolved cell":  # its only member, alone in a cell that was dissolved
        dissolved = orgs.copy_rows(np.array([pop.cell[7]]))
        pop.ensure_orgs(orgs.n)
        orgs.dissolve(dissolved)
    pop.cell[7] = {
        "county committee": orgs.ids_of(Kind.COUNTY)[0],
        "no organization": -1,
        "dissolved cell": orgs.n - 1,
    }[outside]
    message = _run_expecting(simulation, "every active member in exactly one organization", on=_last_day(simulation))
    assert f"member 7 is in organization {pop.cell[7]}, not a living cell or party team" in message


def test_a_person_in_no_known_state_is_caught():
    simulation = Simulation(small_scenario(duration="6m", organization={"reorganize": False}))
    pop = simulation.world.pop
    pop.status[7] = Status.EMPTY  # a row in use with the code of unused capacity
    message = _run_expecting(simulation, "every member in exactly one state", on=_last_day(simulation))
    assert f"member 7 of organization {pop.cell[7]} has status code 0" in message


def test_codes_past_the_tables_are_caught():
    """A status past the statuses, an organization id past the organization table (checked on day 0: a run would
    stumble on them before its checks)."""
    world = Simulation(small_scenario()).world
    pop, orgs = world.pop, world.orgs
    pop.cell[9] = orgs.n + 3
    with pytest.raises(InvariantError, match=f"member 9 is in organization {orgs.n + 3}, not a living cell"):
        world.invariants.check_tables(0)
    pop.status[7] = 12
    with pytest.raises(InvariantError, match=f"member 7 of organization {pop.cell[7]} has status code 12"):
        world.invariants.check_tables(0)


def test_prescribed_meetings_follow_cells_added_or_dissolved():
    """The per-row meetings check counts the units' meeting days again once the organization table changes."""
    simulation = Simulation(small_scenario())
    world, invariants = simulation.world, simulation.world.invariants
    cell = world.orgs.ids_of(Kind.CELL)[0]
    meeting_day = int(world.orgs.meeting_day[cell])
    day = int(np.flatnonzero(world.calendar.dom == meeting_day)[0])
    before = invariants._cell_meetings_prescribed(day, day, invariants._signature())
    added = world.orgs.copy_rows(np.array([cell]))
    assert invariants._cell_meetings_prescribed(day, day, invariants._signature()) == before + 1
    world.orgs.dissolve(np.concatenate([added, [cell]]))
    assert invariants._cell_meetings_prescribed(day, day, invariants._signature()) == before - 1


def _drift_org_size(simulation: Simulation) -> str:
    cell = int(simulation.world.pop.cell[7])
    simulation.world.pop.org_size[cell] += 1
    return f"organization sizes drifted at orgs [{cell}]"


def _drift_status_stock(simulation: Simulation) -> str:
    simulation.world.pop.counts[Status.FULL] += 1
    return "status stocks drifted"


def _drift_punishment_stock(simulation: Simulation) -> str:
    simulation.world.pop.punished[1] += 1
    return "punishment stocks drifted"


def _drift_sincerity_sum(simulation: Simulation) -> str:
    """Sincerity written past ``Population.educate``: the active members' sum no longer matches."""
    simulation.world.pop.sincerity[7] = 0.0
    return "active sincerity sum drifted"


@pytest.mark.parametrize("drift", [_drift_org_size, _drift_status_stock, _drift_punishment_stock, _drift_sincerity_sum])
def test_maintained_stocks_that_drift_from_a_recount_are_caught(drift):
    """A maintained aggregate knocked off before day 0: the rows stay self-consistent, only the recount sees it."""
    simulation = Simulation(small_scenario(duration="6m", organization={"reorganize": False}))
    says = drift(simulation)
    message = _run_expecting(simulation, "maintained stocks equal a recount", on=_last_day(simulation))
    assert says in message


def test_a_cell_left_too_large_after_reorganization_is_caught(monkeypatch):
    """A broken split that crams the three largest cells into one instead of splitting anything."""

    def cram(self, day, cells):
        cells = self.world.orgs.ids_of(Kind.CELL)  # all of them, not only those out of bounds it is given
        largest = cells[np.argsort(self.world.pop.org_size[cells])[-3:]]
        self._move_units(day, largest[:2], largest[2:].repeat(2))
        return cells[:0]

    monkeypatch.setattr(Reorganization, "_split_large_cells", cram)
    message = _run_expecting(small_scenario(), "cells within bylaw bounds after re-organization")
    assert "above 30" in message and "(cell)" in message


def test_a_small_cell_left_beside_a_neighbour_after_reorganization_is_caught(monkeypatch):
    """county.yaml's residential units of 3 and 4 members must merge or attach at the first re-organization."""
    monkeypatch.setattr(Reorganization, "_merge_small_units", lambda self, day, cells, small_among=None: cells[:0])
    scenario = small_scenario(membership={"enabled": False}, attrition={"enabled": False})
    simulation = Simulation(scenario)
    orgs, pop = simulation.world.orgs, simulation.world.pop
    cells = orgs.ids_of(Kind.CELL)
    small = {int(c): int(pop.org_size[c]) for c in cells[pop.org_size[cells] < scenario.organization.cell_min]}
    assert sorted(small.values()) == [3, 4]
    first_reorganization = dt.date(2016, 8, 10)  # county.yaml starts 2016-05-10 and re-organizes every 3 months
    message = _run_expecting(simulation, "cells within bylaw bounds after re-organization", on=first_reorganization)
    found = re.search(
        r"organization (\d+) \(cell\) has (\d+) members, below 5, and a neighbour under organization (\d+)", message
    )
    assert found, message
    org, size, parent = (int(g) for g in found.groups())
    assert small.get(org) == size and orgs.parent[org] == parent


def test_a_punished_delegate_is_caught(monkeypatch):
    def candidates(self, mask):
        return np.flatnonzero(mask & (self.world.pop.status[: self.world.pop.n] > 0))

    monkeypatch.setattr(Congress, "_candidates", candidates)
    strict = {"conviction_probability": 1.0, "causes": {"lax_discipline": {"rate_per_year": 1.0, "level": "warning"}}}
    message = _run_expecting(congress_scenario(discipline=strict), "punished members are not selected unless amnestied")
    assert re.search(r"member \d+ of organization \d+ selected under punishment level [1-9]", message), message


def test_cli_reports_a_violation_in_one_line_with_exit_3(tmp_path, capsys, monkeypatch):
    from sim.cli import main
    from tests.conftest import SCENARIOS, UNDATED

    original = Attrition.step
    monkeypatch.setattr(
        Attrition, "step", lambda self, day: (original(self, day), self.world.tally.add("exits_death", -1))
    )
    out = tmp_path / "out"
    args = [
        "run",
        str(SCENARIOS / "county.yaml"),
        "--out",
        str(out),
        "--quiet",
        "--set",
        "duration=1y",
        *(a for o in UNDATED for a in ("--set", o)),
    ]
    assert main(args) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no negative counts" in err
    assert not out.exists()
    assert main(args + ["--no-checks"]) == 0


@pytest.mark.parametrize(("sizes", "caught"), [("[3, 3]", True), ("[2, 2]", False)])
def test_small_siblings_that_together_reach_the_minimum_are_caught_unmerged(sizes, caught):
    """Re-organization: two residential units with fewer than five "can form one party cell" (BPO) — small sibling
    cells whose members together reach cell_min must not be left apart (members counted, not cells)."""
    scenario = small_scenario(organization={"small_units": sizes})
    simulation = Simulation(scenario)
    world = simulation.world
    orgs, pop, cfg = world.orgs, world.pop, scenario.organization
    cells = orgs.ids_of(Kind.CELL)
    small = cells[pop.org_size[cells] < cfg.cell_min]
    siblings = cells[(orgs.parent[cells] == orgs.parent[small[0]]) & (pop.org_size[cells] >= cfg.cell_min)]
    pop.org_size[siblings] = cfg.cell_max - 1  # no regular sibling has room for a small cell
    assert len(small) == 2 and len(set(orgs.parent[small])) == 1
    invariants = world.invariants if world.invariants is not None else Invariants(world)
    if caught:
        with pytest.raises(InvariantError, match="below 5"):
            invariants.check_cell_bounds(1)
    else:
        invariants.check_cell_bounds(1)
