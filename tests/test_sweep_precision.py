"""Sweeps with replications: {precision, max}: each point gets runs in batches until its means are precise enough."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.many.executors import InProcess
from sim.many.runs import run_seed
from sim.many.sweep import load_sweep, run_sweep
from sim.scenario import ScenarioError
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec


def test_each_point_replicates_until_its_interval_is_narrow_enough(tmp_path):
    scenario = write_scenario(tmp_path, ATTRITION_ONLY)
    spec = write_spec(
        tmp_path,
        scenario,
        replications={"precision": 0.02, "start": 2, "max": 30},
        parameters={"attrition.death_rate": [0.01, 0.3]},
        outcomes={"members": "final:members_full"},
    )
    run_sweep(load_sweep(spec), tmp_path / "out", InProcess(), show_progress=False)
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet").set_index("point")
    assert summary["precision_met"].all() and (summary["precision"] <= 0.02).all()
    assert (summary["n"] > 2).all() and (summary["n"] < 30).all()
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert runs.groupby("point")["replication"].nunique().tolist() == summary["n"].tolist()
    # Batches continue each point's fixed seed sequence: run (p, r) has the seed of a fixed sweep's (p, r).
    assert all(row.seed == run_seed(11, row.point, row.replication) for row in runs.itertuples())
    # The fixed sweep with as many runs gives the same mean at that point.
    point = int(summary["n"].idxmax())
    fixed = write_spec(
        tmp_path,
        scenario,
        "fixed.yaml",
        replications=int(summary.loc[point, "n"]),
        parameters={"attrition.death_rate": [0.01, 0.3]},
        outcomes={"members": "final:members_full"},
    )
    run_sweep(load_sweep(fixed), tmp_path / "fixed", InProcess(), show_progress=False)
    again = pd.read_parquet(tmp_path / "fixed" / "summary.parquet").set_index("point")
    assert again.loc[point, "mean"] == summary.loc[point, "mean"]


def test_precision_replications_are_validated(tmp_path):
    scenario = write_scenario(tmp_path, ATTRITION_ONLY)
    with pytest.raises(ScenarioError, match=r"replications: expected start <= max"):
        load_sweep(write_spec(tmp_path, scenario, replications={"precision": 0.1, "start": 5, "max": 3}))
    with pytest.raises(ScenarioError, match=r"replications\.precision: expected greater than 0"):
        load_sweep(write_spec(tmp_path, scenario, replications={"precision": 0, "max": 3}))
