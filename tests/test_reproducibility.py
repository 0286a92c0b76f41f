"""Same scenario and seed: bit-identical files. Another seed: other numbers."""

from __future__ import annotations

import hashlib

from sim.cli import main
from tests.conftest import SCENARIOS, UNDATED

ARGS = [
    "--set",
    "population.members=400",
    "--set",
    "duration=1y",
    "--quiet",
    "--events",
    *(arg for override in UNDATED for arg in ("--set", override)),
]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(out, *extra) -> None:
    assert main(["run", str(SCENARIOS / "county.yaml"), "--out", str(out), *ARGS, *extra]) == 0


def test_same_seed_gives_identical_outputs(tmp_path):
    _run(tmp_path / "a", "--seed", "5")
    _run(tmp_path / "b", "--seed", "5")
    for name in ("timeseries.parquet", "events.parquet", "summary.json"):
        assert _digest(tmp_path / "a" / name) == _digest(tmp_path / "b" / name), name


def test_different_seed_gives_different_outputs(tmp_path):
    _run(tmp_path / "a", "--seed", "5")
    _run(tmp_path / "b", "--seed", "6")
    assert _digest(tmp_path / "a" / "timeseries.parquet") != _digest(tmp_path / "b" / "timeseries.parquet")


def test_csv_format_writes_the_same_contract(tmp_path):
    _run(tmp_path / "a", "--format", "csv")
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert names == {"timeseries.csv", "events.csv", "summary.json", "manifest.json"}
