"""The Python API tutorial (docs/tutorials/python-api.md) runs as printed and does what the command line does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorials" / "python-api.md"


def test_python_api_tutorial_runs_and_matches_the_files_it_writes(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 6
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
    comparison, sweep, found = namespace["comparison"], namespace["sweep"], namespace["found"]
    pd.testing.assert_frame_equal(
        comparison.differences, pd.read_parquet("results/tutorial/compare/comparison.parquet")
    )
    pd.testing.assert_frame_equal(sweep.summary, pd.read_parquet("results/tutorial/sweep/summary.parquet"))
    pd.testing.assert_frame_equal(
        found.trajectory, pd.read_parquet("results/tutorial/sweep/discovery/discovery.parquet")
    )
    assert namespace["page"].is_file()
