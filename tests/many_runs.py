"""Tiny scenarios and sweep specs for the many-runs tests (sweeps, comparisons).

Self-contained scenario files (no `extends` of the shipped county, whose
dated Congress cycle needs five simulated years) so that a run takes a
fraction of a second and the tests do not depend on the county's details.
"""

from __future__ import annotations

from pathlib import Path

import yaml

#: Only attrition acts: the final count of full members is Binomial(N0, exp(-mu t)).
ATTRITION_ONLY = {
    "name": "attrition-only",
    "duration": "52w",
    "population": {"members": 300, "candidate_share": 0.0},
    "membership": {"enabled": False},
    "critique": {"enabled": False},
    "meetings": {"enabled": False},
    "discipline": {"enabled": False},
    "attrition": {"death_rate": 0.01, "retirement_rate": 0.02, "transfer_out_rate": 0.01},
}


def write_scenario(directory: Path, data: dict, name: str = "tiny.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_spec(directory: Path, scenario: Path, name: str = "spec.yaml", **fields) -> Path:
    """A grid sweep over the death rate of the attrition-only scenario, with fields overridden."""
    spec = {
        "base": scenario.name,
        "design": "grid",
        "replications": 2,
        "seed": 11,
        "parameters": {"attrition.death_rate": [0.01, 0.05, 0.2]},
        "outcomes": {"members": "final:members_full", "exits": "sum:exits"},
    }
    spec.update(fields)
    path = directory / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path
