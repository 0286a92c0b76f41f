"""partysim sweep: spec errors, tidy tables, seeds independent of the executor, failed runs, resume checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sim
import sim.many.runs
from sim.cli import main
from sim.many.executors import DaskCluster, InProcess, LocalPool
from sim.many.runs import run_seed
from sim.many.sweep import load_sweep, run_sweep
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec


@pytest.fixture
def base(tmp_path):
    return write_scenario(tmp_path, ATTRITION_ONLY)


def line_of(path, text: str) -> int:
    """The 1-based line of the spec holding ``text`` (so tests do not hard-code line numbers)."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def fails_with_one_line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("partysim: error: ") and "\n" not in err and "Traceback" not in err
    return err


# ---------------------------------------------------------------------------
# Spec errors: file, field path, line, expected and found; exit 2; nothing written
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field, says",
    [
        ({"replicatons": 2}, "replicatons", "replicatons: unknown field"),
        (
            {"outcomes": {"members": "last:members_full"}},
            "last:members_full",
            "outcomes.members: expected an outcome like final:members_full",
        ),
        (
            {"parameters": {"attrition.death_rate": [0.1, 1.5]}},
            "1.5",
            "attrition.death_rate: expected less than or equal to 1, found 1.5",
        ),
        ({"parameters": {"attrition.deathrate": [0.1]}}, "- 0.1", "attrition.deathrate: unknown field"),
        (
            {"parameters": {"attrition.death_rate": {"low": 0.1, "high": 0.2}}},
            "low: 0.1",
            "parameters.attrition.death_rate: expected a list of values or a range with steps for a grid design",
        ),
        (
            {"design": "sobol", "samples": 6, "parameters": {"attrition.death_rate": {"low": 0, "high": 0.1}}},
            "samples",
            "samples: expected a power of 2 for a sobol design (e.g. 8), found 6",
        ),
        (
            {"parameters": {"seed": [1, 2]}},
            "- 1",
            "parameters.seed: expected a scenario field (the sweep itself sets each run's seed), found 'seed'",
        ),
        (
            {"design": "lhs", "parameters": {"attrition.death_rate": {"low": 0, "high": 0.1}}},
            "base:",
            "samples: expected a number of samples for design lhs (see the field's description), found None",
        ),
        ({"replications": 0}, "replications", "replications: expected greater than or equal to 1, found 0"),
        (
            {"outcomes": {"members": "final:no_such_column"}},
            "no_such_column",
            "outcomes.members: expected a time-series column, found no column 'no_such_column'",
        ),
        ({"replications": True}, "replications", "replications: expected a valid integer, found a boolean (true)"),
        (
            {"parameters": {"attrition.death_rate": [0.1, True]}},
            "- true",
            "attrition.death_rate: expected a valid number, found a boolean (true)",
        ),
    ],
)
def test_spec_errors_name_file_field_line_expected_and_found(tmp_path, base, capsys, fields, field, says):
    spec = write_spec(tmp_path, base, **fields)
    out = tmp_path / "out"
    err = fails_with_one_line(capsys, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert f"{spec} (line {line_of(spec, field)}): {says}" in err
    assert not out.exists()


def test_missing_base_and_bad_files_are_one_line_errors(tmp_path, base, capsys):
    spec = write_spec(tmp_path, base, base="nowhere.yaml")
    err = fails_with_one_line(capsys, ["sweep", str(spec)])
    assert f"(line {line_of(spec, 'nowhere')}): base: expected an existing scenario file, found 'no file at" in err
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert "expected a mapping of sweep fields, found an empty file" in fails_with_one_line(
        capsys, ["sweep", str(empty)]
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("design: [grid\n")
    assert "invalid YAML" in fails_with_one_line(capsys, ["sweep", str(broken)])


def test_an_error_in_the_fixed_overrides_points_at_the_set_line(tmp_path, base, capsys):
    spec = write_spec(tmp_path, base, set=["population.members=-3"])
    err = fails_with_one_line(capsys, ["sweep", str(spec), "--workers", "1"])
    assert (
        f"{spec} (line {line_of(spec, 'members=-3')}): population.members: expected greater than or equal to 5" in err
    )


# ---------------------------------------------------------------------------
# Parameter paths: the grammar of --set, so a number indexes a list
# ---------------------------------------------------------------------------

#: The attrition-only scenario with one amnesty order (no causes, so it needs no discipline).
WITH_AN_ORDER = {**ATTRITION_ONLY, "amnesty": {"orders": [{"date": "2016-08-01", "causes": [], "educate_causes": []}]}}


def test_a_sweep_over_a_list_item_reaches_the_runs(tmp_path):
    base = write_scenario(tmp_path, WITH_AN_ORDER)
    spec = write_spec(tmp_path, base, replications=1, parameters={"amnesty.orders.0.education_effect": [0.0, 0.7]})
    out = tmp_path / "out"
    report = run_sweep(load_sweep(spec), out, InProcess(), show_progress=False)
    assert not report.failed
    runs = pd.read_parquet(out / "runs.parquet").drop_duplicates("run_id")
    for row in runs.itertuples():
        orders = sim.Result.load(out / "runs" / row.run_id).manifest["scenario"]["amnesty"]["orders"]
        assert len(orders) == 1 and orders[0]["date"] == "2016-08-01" and orders[0]["causes"] == []
        assert orders[0]["education_effect"] == row[runs.columns.get_loc("amnesty.orders.0.education_effect") + 1]
    assert sorted(runs["amnesty.orders.0.education_effect"]) == [0.0, 0.7]


@pytest.mark.parametrize(
    "scenario, parameter, says",
    [
        (
            WITH_AN_ORDER,
            "amnesty.orders.1.education_effect",
            "expected a field of the base scenario, with amnesty.orders.1: an index below 1, found '1'",
        ),
        (
            WITH_AN_ORDER,
            "amnesty.orders.first.education_effect",
            "expected a field of the base scenario, with amnesty.orders.first: an index below 1, found 'first'",
        ),
        (
            ATTRITION_ONLY,
            "amnesty.orders.0.education_effect",
            "expected a field of the base scenario, with amnesty.orders: a list with an item 0, found none in the scenario file",
        ),
        (
            ATTRITION_ONLY,
            "attrition.death_rate.0",
            "expected a field of the base scenario, with attrition.death_rate: a section, found float",
        ),
    ],
)
def test_a_parameter_path_the_base_does_not_have_names_the_spec_and_parameter(
    tmp_path, capsys, scenario, parameter, says
):
    base = write_scenario(tmp_path, scenario)
    spec = write_spec(tmp_path, base, parameters={parameter: [0.1, 0.2]})
    out = tmp_path / "out"
    err = fails_with_one_line(capsys, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert f"{spec} (line {line_of(spec, '- 0.1')}): parameters.{parameter}: {says}" in err
    assert not out.exists()


def test_an_unknown_field_under_a_list_item_is_reported_at_the_parameter(tmp_path, capsys):
    base = write_scenario(tmp_path, WITH_AN_ORDER)
    spec = write_spec(tmp_path, base, parameters={"amnesty.orders.0.lenience.level": [0.1]})
    err = fails_with_one_line(capsys, ["sweep", str(spec), "--workers", "1"])
    assert f"{spec} (line {line_of(spec, '- 0.1')}): amnesty.orders.0.lenience: unknown field" in err


# ---------------------------------------------------------------------------
# Tables and seeds
# ---------------------------------------------------------------------------


def test_runs_and_summary_tables_are_tidy_and_consistent(tmp_path, base):
    sweep = load_sweep(write_spec(tmp_path, base))
    out = tmp_path / "out"
    report = run_sweep(sweep, out, InProcess(), show_progress=False)
    assert not report.failed
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns) == [
        "run_id",
        "point",
        "replication",
        "seed",
        "status",
        "error",
        "attrition.death_rate",
        "outcome",
        "value",
    ]
    assert len(runs) == 3 * 2 * 2 and (runs["status"] == "ok").all() and runs["error"].isna().all()
    for row in runs.drop_duplicates("run_id").itertuples():
        assert row.seed == run_seed(11, row.point, row.replication)
        timeseries = sim.Result.load(out / "runs" / row.run_id).timeseries
        members = runs.query("run_id == @row.run_id and outcome == 'members'")["value"].item()
        assert members == timeseries["members_full"].iloc[-1]
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(runs["run_id"].unique())

    summary = pd.read_parquet(out / "summary.parquet")
    assert list(summary.columns) == ["point", "attrition.death_rate", "outcome", "n", "mean", "sd", "ci_low", "ci_high"]
    means = runs.groupby(["point", "outcome"])["value"].mean()
    for row in summary.itertuples():
        assert row.n == 2 and row.mean == pytest.approx(means[row.point, row.outcome])
        assert row.ci_low <= row.mean <= row.ci_high
    exits = summary.query("outcome == 'exits'").set_index("attrition.death_rate")["mean"]
    assert exits[0.2] > exits[0.05] > exits[0.01]  # the parameter reaches the runs

    meta = json.loads((out / "sweep.json").read_text())
    assert (
        meta["kind"] == "sweep"
        and meta["design"] == "grid"
        and meta["counts"] == {"done": 6, "failed": 0, "resumed": 0}
    )
    assert meta["parameters"] == ["attrition.death_rate"] and meta["replications"] == 2 and meta["seed"] == 11
    assert (out / "spec.yaml").is_file() and not (out / "sensitivity.parquet").exists()


def test_same_tables_whatever_the_executor_and_worker_count(tmp_path, base):
    """The issue's acceptance test: 1 vs 2 workers, local pool vs Dask LocalCluster."""
    sweep = load_sweep(
        write_spec(
            tmp_path,
            base,
            design="lhs",
            samples=4,
            parameters={
                "attrition.death_rate": {"low": 0.01, "high": 0.3},
                "population.members": {"low": 100, "high": 400, "integer": True},
            },
        )
    )
    tables = {}
    for name, make in (
        ("in-process", InProcess),
        ("pool-2", lambda: LocalPool(2)),
        ("dask-2", lambda: DaskCluster(local_workers=2)),
    ):
        executor = make()
        try:
            run_sweep(sweep, tmp_path / name, executor, show_progress=False)
        finally:
            executor.close()
        tables[name] = (
            pd.read_parquet(tmp_path / name / "runs.parquet"),
            pd.read_parquet(tmp_path / name / "summary.parquet"),
        )
    reference_runs, reference_summary = tables.pop("in-process")
    assert reference_runs["value"].nunique() > 4  # the runs differ, so equality below means something
    for name, (runs, summary) in tables.items():
        pd.testing.assert_frame_equal(runs, reference_runs, obj=name)
        pd.testing.assert_frame_equal(summary, reference_summary, obj=name)


def test_local_pool_starts_its_workers_as_it_is_made():
    """The workers start in the background while the sweep's probe run goes on, not at the first task."""
    pool = LocalPool(2)
    try:
        pool.starting.join(timeout=60)
        assert not pool.starting.is_alive()
        assert pool.pool._processes  # started before any task was submitted
    finally:
        pool.close()


def test_sobol_sweep_writes_sensitivity_indices(tmp_path, base):
    spec = write_spec(
        tmp_path,
        base,
        design="sobol",
        samples=2,
        replications=1,
        parameters={
            "attrition.death_rate": {"low": 0.0, "high": 0.3},
            "attrition.retirement_rate": {"low": 0.0, "high": 0.01},
        },
    )
    run_sweep(load_sweep(spec), tmp_path / "out", InProcess(), show_progress=False)
    indices = pd.read_parquet(tmp_path / "out" / "sensitivity.parquet")
    assert list(indices.columns) == ["outcome", "parameter", "method", "index", "value", "ci_low", "ci_high"]
    assert set(indices["index"]) == {"S1", "ST"} and set(indices["outcome"]) == {"members", "exits"}
    assert len(indices) == 2 * 2 * 2 and indices["method"].eq("sobol").all()


# ---------------------------------------------------------------------------
# Failed runs and resuming
# ---------------------------------------------------------------------------


def test_a_failing_run_is_recorded_the_sweep_goes_on_and_resume_redoes_it(tmp_path, base, capsys, monkeypatch):
    spec = write_spec(tmp_path, base)
    out = tmp_path / "out"
    real_run = sim.many.runs.simulate

    def flaky(scenario, seed=None, events=False):
        if scenario.attrition.death_rate == 0.05:
            raise FloatingPointError("rates diverged")
        return real_run(scenario, seed=seed, events=events)

    monkeypatch.setattr(sim.many.runs, "simulate", flaky)
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "2 of 6 runs failed" in err and "FloatingPointError: rates diverged" in err
    runs = pd.read_parquet(out / "runs.parquet")
    failed = runs[runs["status"] == "failed"]
    assert set(failed["point"]) == {1} and failed["value"].isna().all()
    assert failed["error"].str.startswith("FloatingPointError: rates diverged").all()
    assert not any((out / "runs" / run_id).exists() for run_id in failed["run_id"])
    summary = pd.read_parquet(out / "summary.parquet").set_index(["point", "outcome"])
    assert summary.loc[(1, "members"), "n"] == 0 and summary.loc[(0, "members"), "n"] == 2
    assert json.loads((out / "sweep.json").read_text())["counts"]["failed"] == 2

    monkeypatch.setattr(sim.many.runs, "simulate", real_run)
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--resume"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all()
    assert json.loads((out / "sweep.json").read_text())["counts"] == {"done": 6, "failed": 0, "resumed": 4}


def test_a_new_sweep_never_mixes_into_an_old_directory(tmp_path, base, capsys):
    spec = write_spec(tmp_path, base, replications=1, parameters={"attrition.death_rate": [0.01]})
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    err = fails_with_one_line(capsys, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert "output directory exists and is not empty (use --resume to continue it or --overwrite" in err
    changed = write_spec(
        tmp_path, base, name="changed.yaml", replications=1, seed=12, parameters={"attrition.death_rate": [0.01]}
    )
    err = fails_with_one_line(capsys, ["sweep", str(changed), "--out", str(out), "--resume"])
    assert "--resume: expected the inputs the sweep started with, found seed changed" in err


def test_resume_with_new_outcomes_reads_them_off_the_finished_runs(tmp_path, base):
    spec = write_spec(tmp_path, base, replications=1)
    out = tmp_path / "out"
    run_sweep(load_sweep(spec), out, InProcess(), show_progress=False)
    spec = write_spec(tmp_path, base, replications=1, outcomes={"peak": "max:members_full", "all": "summary:final.*"})
    report = run_sweep(load_sweep(spec), out, InProcess(), resume=True, show_progress=False)
    assert all(record.resumed for record in report.records)
    runs = pd.read_parquet(out / "runs.parquet")
    assert {"peak", "summary:final.members_full"} <= set(runs["outcome"])
    assert np.isfinite(runs["value"]).all()
