"""Sweeps and comparisons keep run's contract: one writer, nothing lost, nothing mixed, one line for every fault.

Through the command line (``sim.cli.main`` in process) on the attrition-only
scenario of ``tests.many_runs``: an interrupted ``--overwrite`` keeps the
earlier result, a second writer of one ``--out`` is refused, ``--resume``
redoes damaged runs and refuses changed inputs or a directory of another
kind, and read-only or full targets are one line with nothing left behind.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim.many.runs
from sim.cli import main
from sim.many.runs import exclusive
from sim.run import rundir
from sim.run.interruption import Terminated
from tests.conftest import ROOT
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec


@pytest.fixture
def base(tmp_path):
    return write_scenario(tmp_path, ATTRITION_ONLY)


@pytest.fixture
def spec(tmp_path, base):
    return write_spec(tmp_path, base, replications=1, parameters={"attrition.death_rate": [0.01, 0.05]})


def sweep(spec: Path, out: Path, *extra: str) -> int:
    return main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet", *extra])


def compare(base: Path, out: Path, *extra: str) -> int:
    return main(
        ["compare", str(base), str(base), "--reps", "2", "--out", str(out), "--workers", "1", "--quiet", *extra]
    )


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("partysim: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def hidden_beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


def stop_at_second_run(monkeypatch, stop=Terminated):
    """The second run of a sweep or comparison is stopped (as by SIGTERM) before it writes anything."""
    real, calls = sim.many.runs.simulate, []

    def simulate(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise stop()
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.many.runs, "simulate", simulate)


def test_an_interrupted_sweep_overwrite_keeps_the_earlier_sweep_whole(tmp_path, spec, monkeypatch, capsys):
    out = tmp_path / "out"
    assert sweep(spec, out) == 0
    before = pd.read_parquet(out / "runs.parquet")
    listing = sorted(p.relative_to(out) for p in out.rglob("*"))
    stop_at_second_run(monkeypatch)
    assert sweep(spec, out, "--overwrite") == 143
    assert "earlier sweep" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == listing and not hidden_beside(out)


def test_an_interrupted_compare_overwrite_keeps_the_earlier_comparison_whole(tmp_path, base, monkeypatch, capsys):
    out = tmp_path / "out"
    assert compare(base, out) == 0
    before = (out / "comparison.json").read_text()
    stop_at_second_run(monkeypatch, KeyboardInterrupt)
    assert compare(base, out, "--overwrite") == 130
    assert (out / "comparison.json").read_text() == before and not hidden_beside(out)


def test_a_completed_overwrite_replaces_the_sweep_whole(tmp_path, base, spec):
    out = tmp_path / "out"
    assert sweep(spec, out) == 0
    other = write_spec(tmp_path, base, name="other.yaml", replications=1, parameters={"attrition.death_rate": [0.02]})
    assert sweep(other, out, "--overwrite") == 0
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["p000-r00"]
    assert set(pd.read_parquet(out / "runs.parquet")["attrition.death_rate"]) == {0.02}
    assert not hidden_beside(out)


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_a_second_writer_of_one_out_is_refused_and_the_first_keeps_it(tmp_path, base, spec, capsys, command):
    out = tmp_path / "out"
    with exclusive(out, "sweep"):  # as another sweep holds it while it runs
        code = sweep(spec, out) if command == "sweep" else compare(base, out)
        assert code == 2
        assert "another sweep is writing this directory now" in one_error_line(capsys) or command == "compare"
        assert not out.exists()
    assert sweep(spec, out) == 0 and not hidden_beside(out)


def test_resume_redoes_a_run_whose_files_are_damaged(tmp_path, spec):
    out = tmp_path / "out"
    assert sweep(spec, out) == 0
    before = pd.read_parquet(out / "runs.parquet")
    damaged = out / "runs" / "p001-r00" / "timeseries.parquet"
    damaged.write_bytes(damaged.read_bytes()[:100])
    assert sweep(spec, out, "--resume") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)
    assert json.loads((out / "sweep.json").read_text())["counts"] == {"done": 2, "failed": 0, "resumed": 1}


def test_resume_refuses_an_edited_base_scenario_unless_changes_are_accepted(tmp_path, base, spec, capsys):
    out = tmp_path / "out"
    assert sweep(spec, out) == 0
    base.write_text(base.read_text().replace("retirement_rate: 0.02", "retirement_rate: 0.03"))
    assert sweep(spec, out, "--resume") == 2
    err = one_error_line(capsys)
    assert f"--resume: expected the inputs the sweep started with, found tiny.yaml ({base.resolve()}) changed" in err
    assert sweep(spec, out, "--resume", "--accept-changes") == 0
    assert json.loads((out / "sweep.json").read_text())["accepted_changes"] == [f"tiny.yaml ({base.resolve()})"]


def test_resume_refuses_a_changed_file_of_the_extends_chain(tmp_path, base, capsys):
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: tiny.yaml\nname: variant\n")
    spec = write_spec(tmp_path, variant, replications=1, parameters={"attrition.death_rate": [0.01]})
    out = tmp_path / "out"
    assert sweep(spec, out) == 0
    base.write_text(base.read_text().replace("death_rate: 0.01", "death_rate: 0.015"))
    assert sweep(spec, out, "--resume") == 2
    assert "tiny.yaml" in one_error_line(capsys)


def test_resume_refuses_a_directory_of_another_kind(tmp_path, base, spec, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", str(base), "--out", str(run_dir), "--quiet"]) == 0
    assert sweep(spec, run_dir, "--resume") == 2
    assert "--resume: expected a sweep directory, found a single run directory" in one_error_line(capsys)
    assert sorted(p.name for p in run_dir.iterdir()) == ["manifest.json", "summary.json", "timeseries.parquet"]
    comparison = tmp_path / "comparison"
    assert compare(base, comparison) == 0
    assert sweep(spec, comparison, "--resume") == 2
    assert "found a comparison directory" in one_error_line(capsys)


def test_compare_resume_continues_and_refuses_changed_inputs(tmp_path, base, monkeypatch, capsys):
    out = tmp_path / "out"
    stop_at_second_run(monkeypatch)
    assert compare(base, out) == 143
    capsys.readouterr()
    monkeypatch.undo()
    assert compare(base, out, "--resume") == 0
    counts = json.loads((out / "comparison.json").read_text())["counts"]
    assert counts["done"] == 4 and counts["resumed"] == 1  # the first run was saved before the stop
    assert (out / "comparison.parquet").is_file()
    assert compare(base, out, "--resume", "--seed", "5") == 2
    assert "--resume: expected the inputs the comparison started with, found settings changed" in one_error_line(capsys)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--seed", "-1"], "--seed: expected a non-negative integer, found -1"),
        (["--reps", "1"], "--reps: expected at least 2 (a confidence interval and a p-value need two replications)"),
    ],
)
def test_compare_refuses_settings_without_an_interval(tmp_path, base, capsys, option, expected):
    out = tmp_path / "out"
    assert main(["compare", str(base), str(base), "--out", str(out), "--workers", "1", *option]) == 2
    assert expected in one_error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_an_unwritable_target_is_refused_before_any_run(tmp_path, base, spec, monkeypatch, capsys, command):
    """Read-only (patched: the tests may run as root, whom permissions do not stop)."""

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(rundir.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(sim.many.runs, "simulate", lambda *a, **k: pytest.fail("a run started"))
    out = tmp_path / "ro" / "out"
    assert (sweep(spec, out) if command == "sweep" else compare(base, out)) == 2
    assert f"{out}: cannot write there (Read-only file system)" in one_error_line(capsys)
    assert not (tmp_path / "ro").exists()


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, base, spec, monkeypatch, capsys, command):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sim.many.runs.pd.DataFrame, "to_parquet", full)
    out = tmp_path / "out"
    assert (sweep(spec, out) if command == "sweep" else compare(base, out)) == 2
    err = one_error_line(capsys)
    assert err.startswith(f"partysim: error: {out}") and "(No space left on device)" in err
    assert not out.exists() and not hidden_beside(out)


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and forkserver pools are POSIX")
def test_the_workers_of_a_killed_sweep_exit_and_write_nothing_after_it(tmp_path, base):
    """kill -9 of a sweep: its pool processes (forkserver, workers) exit on their own, no run appears afterwards."""
    psutil = pytest.importorskip("psutil")
    slow = write_scenario(tmp_path, {**ATTRITION_ONLY, "duration": "5y", "population": {"members": 3000}}, "slow.yaml")
    spec = write_spec(tmp_path, slow, replications=20, parameters={"attrition.death_rate": [0.01]})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"]
    sweep_process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(sweep_process.pid)
    runs = out / "runs"
    while sweep_process.poll() is None and len(list(runs.glob("p*"))) < 2:  # the pool is at work
        time.sleep(0.05)
    assert sweep_process.poll() is None, "the sweep ended before it could be killed"
    pool = parent.children(recursive=True)
    assert len(pool) >= 2
    sweep_process.kill()
    sweep_process.wait()
    at_kill = sorted(p.name for p in runs.iterdir() if not p.name.startswith("."))
    _, alive = psutil.wait_procs(pool, timeout=60)
    assert not alive, f"still running after the sweep was killed: {[p.pid for p in alive]}"
    assert sorted(p.name for p in runs.iterdir() if not p.name.startswith(".")) == at_kill
