"""Shared helpers: small scenarios written to tmp files, runs kept in memory."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import sim
from sim.run.engine import Simulation

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
#: --set overrides that switch off county.yaml's dated events, for runs shorter than its 5 years.
UNDATED = ["campaigns=[]", "congress.enabled=false", "amnesty.enabled=false"]


def small_scenario(**sections) -> sim.Scenario:
    """The county scenario shrunk to a quick test, with sections merged in.

    Its dated events (campaigns, Congress, amnesty) are off unless a test asks for them.
    """
    overrides = [f"{key}={value}" for key, value in _flatten(sections).items()]
    base = ["population.members=600", "duration=2y", "record_every=1w", *UNDATED]
    return sim.load_scenario(SCENARIOS / "county.yaml", base + overrides)


def _flatten(data: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def simulate(scenario: sim.Scenario, seed: int | None = None, events: bool = True) -> tuple[Simulation, sim.Result]:
    """Run and return both the result and the simulation (whose world can be inspected)."""
    simulation = Simulation(scenario, seed=seed, events=events)
    return simulation, simulation.run()


@pytest.fixture
def write_yaml(tmp_path):
    """Write a mapping (or raw text) to a YAML file in tmp_path and return its path."""

    def write(content, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
        return path

    return write
