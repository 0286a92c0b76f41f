"""A sweep killed at any moment resumes without redoing finished runs or leaving half-written ones.

The sweep runs as a subprocess (as a user would run it); the tests kill one of
its worker processes, or the whole sweep with SIGKILL, while runs are in
flight, then ``--resume`` and check that every run exists exactly once and
that the tables equal those of a sweep that was never interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.many.executors import LocalPool
from sim.many.sweep import load_sweep, run_sweep
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec

#: Runs slow enough (critique sessions every few days) that a kill lands while some are in flight.
SLOW = {**ATTRITION_ONLY, "critique": {"enabled": True}, "meetings": {"enabled": True}}
RUNS = 16


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("resume")
    return write_spec(
        directory,
        write_scenario(directory, SLOW),
        replications=4,
        parameters={"attrition.death_rate": [0.01, 0.05, 0.1, 0.2]},
    )


@pytest.fixture(scope="module")
def uninterrupted(spec, tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("reference") / "out"
    pool = LocalPool(2)
    try:
        run_sweep(load_sweep(spec), out, pool, show_progress=False)
    finally:
        pool.close()
    return pd.read_parquet(out / "runs.parquet")


def start_sweep(spec: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def finished_runs(out: Path) -> list[str]:
    runs = out / "runs"
    return sorted(p.name for p in runs.iterdir() if not p.name.startswith(".")) if runs.is_dir() else []


def wait_for_some_runs(process: subprocess.Popen, out: Path, timeout: float = 60) -> None:
    """Until at least two runs are finished and the sweep is still going (the moment to kill it)."""
    deadline = time.monotonic() + timeout
    while len(finished_runs(out)) < 2:
        assert process.poll() is None, f"the sweep ended before it could be killed: {process.communicate()}"
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.02)
    assert len(finished_runs(out)) < RUNS, "every run finished before the kill; make the runs slower"


def resume_and_check(spec: Path, out: Path, uninterrupted: pd.DataFrame) -> None:
    resumed = start_sweep(spec, out, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["run_id"].unique()) == finished_runs(out)
    assert len(finished_runs(out)) == RUNS and runs.groupby(["run_id", "outcome"]).size().eq(1).all()
    assert not [p for p in (out / "runs").rglob(".*")], "a half-written run directory was left behind"
    pd.testing.assert_frame_equal(runs, uninterrupted)


def test_killing_a_worker_fails_its_runs_and_resume_finishes_each_run_once(spec, uninterrupted, tmp_path):
    out = tmp_path / "out"
    sweep = start_sweep(spec, out)
    wait_for_some_runs(sweep, out)
    workers = [p for p in psutil.Process(sweep.pid).children(recursive=True) if p.ppid() != sweep.pid]
    assert workers, "no worker process found"
    workers[0].send_signal(signal.SIGKILL)
    _, err = sweep.communicate(timeout=120)
    assert sweep.returncode == 1, err  # some runs failed: exit code 1, not a crash
    assert "runs failed" in err and "--resume" in err
    failed = pd.read_parquet(out / "runs.parquet").query("status == 'failed'")
    assert len(failed) > 0 and failed["error"].str.contains("BrokenProcessPool|terminated abruptly").all()
    resume_and_check(spec, out, uninterrupted)


def test_a_sweep_killed_with_sigkill_resumes_where_it_stopped(spec, uninterrupted, tmp_path):
    out = tmp_path / "out"
    sweep = start_sweep(spec, out)
    wait_for_some_runs(sweep, out)
    os.killpg(sweep.pid, signal.SIGKILL)  # the sweep and its workers, like kill -9 or a lost node
    sweep.communicate(timeout=60)
    before = finished_runs(out)
    assert 2 <= len(before) < RUNS and not (out / "runs.parquet").exists()
    mtimes = {run: (out / "runs" / run / "summary.json").stat().st_mtime_ns for run in before}
    resume_and_check(spec, out, uninterrupted)
    assert all((out / "runs" / run / "summary.json").stat().st_mtime_ns == mtimes[run] for run in before), (
        "a finished run was done again"
    )
