"""Scenario discovery: PRIM on the per-point means of a sweep finds a planted box, with bootstrap stability."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.many.discover import Question, discover, peel, sweep_outcome

POINTS, REPS, NOISE = 400, 5, 0.3


def planted_sweep(directory, seed: int = 1):
    """A synthetic sweep: outcome = 1 inside x1 >= 0.6, x2 <= 0.5 (mass 0.2), plus N(0, 0.3) per replication.

    The mean of 5 replications has noise sd 0.3/sqrt(5) = 0.13, so the threshold 0.5 misclassifies a
    point with probability P(Z > 0.5/0.13) ~ 1e-4: the cases are the box, up to the grid of peels.
    """
    rng = np.random.default_rng(seed)
    x = rng.random((POINTS, 3))
    inside = (x[:, 0] >= 0.6) & (x[:, 1] <= 0.5)
    rows = []
    for point in range(POINTS):
        for rep in range(REPS):
            value = float(inside[point]) + rng.normal(0, NOISE)
            rows.append((f"p{point}-r{rep}", point, rep, 0, "ok", None, *x[point], "y", value))
            rows.append((f"p{point}-r{rep}", point, rep, 0, "ok", None, *x[point], "n", 2.0))
    columns = ["run_id", "point", "replication", "seed", "status", "error", "a", "b", "c", "outcome", "value"]
    directory.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=columns).to_parquet(directory / "runs.parquet", index=False)
    (directory / "sweep.json").write_text(json.dumps({"kind": "sweep", "parameters": ["a", "b", "c"]}))
    return directory, inside


def test_prim_finds_a_planted_box_with_coverage_and_density_near_the_truth(tmp_path):
    directory, inside = planted_sweep(tmp_path / "sweep")
    found = discover(sweep_outcome(directory, "y"), Question("y", above=0.5), bootstrap=40)
    chosen = found.trajectory.set_index("step").loc[found.chosen]
    # Peels of 5% step over the edges: the box may lose a peel's worth of the region's edge or keep a sliver outside.
    assert chosen["coverage"] >= 0.85 and chosen["density"] >= 0.85
    box = found.box
    assert box["a"][0] == pytest.approx(0.6, abs=0.05) and box["b"][1] == pytest.approx(0.5, abs=0.05)
    stability = found.stability.set_index("parameter")
    assert stability.loc["a", "restricted"] and stability.loc["b", "restricted"]
    assert not stability.loc["c", "restricted"]  # the irrelevant parameter is left alone...
    assert stability.loc["a", "restricted_share"] > 0.9 and stability.loc["c", "restricted_share"] < 0.5
    assert stability.loc["a", "low_q025"] <= 0.6 + 0.05 and stability.loc["a", "low_q975"] >= 0.6 - 0.05
    assert found.cases == int(inside.sum())


def test_peeling_trajectory_starts_with_everything_and_loses_mass_each_step():
    rng = np.random.default_rng(0)
    x = rng.random((200, 2))
    trajectory = peel(x, x[:, 0] > 0.7)
    assert trajectory["mass"].iloc[0] == 1 and trajectory["coverage"].iloc[0] == 1
    assert (np.diff(trajectory["mass"]) < 0).all() and trajectory["mass"].iloc[-1] >= 0.05


def test_ratio_outcome_and_top_share(tmp_path):
    directory, _ = planted_sweep(tmp_path / "sweep")
    halves = sweep_outcome(directory, "y/n").values
    np.testing.assert_allclose(halves, sweep_outcome(directory, "y").values / 2)
    found = discover(sweep_outcome(directory, "y"), Question("y", top=0.2), bootstrap=10)
    assert found.cases == 80


def test_discover_command_writes_the_trajectory_and_a_report(tmp_path, capsys):
    directory, _ = planted_sweep(tmp_path / "sweep")
    code = main(["discover", str(directory), "--outcome", "y", "--above", "0.5", "--bootstrap", "20"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "a in [" in printed and "coverage" in printed
    table = pd.read_parquet(directory / "discovery" / "discovery.parquet")
    assert {"coverage", "density", "mass", "low:a", "high:b", "chosen"} <= set(table.columns)
    assert table["chosen"].sum() == 1
    assert main(["report", str(directory / "discovery")]) == 0
    page = (directory / "discovery" / "report.html").read_text()
    assert "Peeling trajectory" in page and "Box limits and their stability" in page


def test_discover_errors_are_one_line(tmp_path, capsys):
    directory, _ = planted_sweep(tmp_path / "sweep")
    assert main(["discover", str(directory), "--outcome", "nope", "--above", "1"]) == 2
    assert "--outcome nope: expected an outcome of the sweep" in capsys.readouterr().err
    assert main(["discover", str(tmp_path), "--outcome", "y", "--above", "1"]) == 2
    assert "expected a finished sweep directory" in capsys.readouterr().err
    assert main(["discover", str(directory), "--outcome", "y", "--above", "9"]) == 2
    assert "no point has mean y > 9" in capsys.readouterr().err
