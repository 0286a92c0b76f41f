"""Sweep tables are replaced whole: a write killed half-way leaves the previous table readable.

Source: DESIGN.md, "Outputs" and "Many runs": outputs are written atomically
(to a temporary name, then renamed) and a killed sweep resumes where it
stopped, so ``runs.parquet`` must never be seen half-written by a reader or a
resumed sweep.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.many.executors import InProcess
from sim.many.runs import write_parquet_atomic
from sim.many.sweep import load_sweep, run_sweep
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec


class Killed(Exception):
    """Stands for the process being killed in the middle of writing a file."""


def dying_writer(monkeypatch, name: str) -> list[Path]:
    """Make every Parquet write whose target mentions ``name`` write half a file and die; return the targets."""
    targets: list[Path] = []
    write = pd.DataFrame.to_parquet

    def to_parquet(frame, path, *args, **kwargs):
        if name in Path(path).name:
            targets.append(Path(path))
            Path(path).write_bytes(b"PAR1 half a table")
            raise Killed(path)
        return write(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)
    return targets


def test_a_parquet_write_killed_half_way_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "runs.parquet"
    before = pd.DataFrame({"run_id": [1, 2], "value": [0.5, 1.5]})
    before.to_parquet(path, index=False)
    targets = dying_writer(monkeypatch, "runs.parquet")
    with pytest.raises(Killed):
        write_parquet_atomic(pd.DataFrame({"run_id": [3], "value": [9.0]}), path)
    assert targets and all(target != path for target in targets)
    pd.testing.assert_frame_equal(pd.read_parquet(path), before)


def test_a_sweep_killed_while_writing_runs_parquet_leaves_the_previous_table_readable(tmp_path, monkeypatch):
    sweep = load_sweep(write_spec(tmp_path, write_scenario(tmp_path, ATTRITION_ONLY), replications=1))
    out = tmp_path / "out"
    run_sweep(sweep, out, InProcess(), show_progress=False)
    before = pd.read_parquet(out / "runs.parquet")
    dying_writer(monkeypatch, "runs.parquet")
    with pytest.raises(Killed):
        run_sweep(sweep, out, InProcess(), resume=True, show_progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)
