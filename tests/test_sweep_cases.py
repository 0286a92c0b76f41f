"""Design cases: named parameter rows, one point each, not crossed."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.many.executors import InProcess
from sim.many.sweep import load_sweep, run_sweep
from sim.scenario import ScenarioError
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec


def _cases_spec(tmp_path, **fields):
    scenario = write_scenario(tmp_path, ATTRITION_ONLY)
    spec = write_spec(tmp_path, scenario, design="cases", replications=1, **fields)
    text = spec.read_text().replace("parameters:\n  attrition.death_rate:\n  - 0.01\n  - 0.05\n  - 0.2\n", "")
    spec.write_text(text)
    return spec


CASES = [
    {"name": "as-is"},
    {"name": "deadly", "attrition.death_rate": 0.2},
    {"name": "deadly-no-retirement", "attrition.death_rate": 0.2, "attrition.retirement_rate": 0.0},
]


def test_cases_design_runs_each_named_row_once_without_crossing(tmp_path):
    sweep = load_sweep(_cases_spec(tmp_path, cases=CASES))
    assert sweep.design.labels == ("as-is", "deadly", "deadly-no-retirement")
    assert len(sweep.scenarios) == 3  # not 2 x 2 crossed values
    rates = [(s.attrition.death_rate, s.attrition.retirement_rate) for s in sweep.scenarios]
    assert rates == [(0.01, 0.02), (0.2, 0.02), (0.2, 0.0)]  # a field a case leaves out keeps the base's value
    report = run_sweep(sweep, tmp_path / "out", InProcess(), show_progress=False)
    summary = pd.read_parquet(report.out / "summary.parquet")
    members = summary[summary.outcome == "members"].set_index("point")["mean"]
    assert members[1] < members[0] and members[2] > members[1]


def test_cases_design_rejects_unnamed_rows_and_explicit_parameters(tmp_path):
    with pytest.raises(ScenarioError, match=r"cases\.1: expected a row with a name"):
        load_sweep(_cases_spec(tmp_path, cases=[{"name": "a"}, {"attrition.death_rate": 0.2}]))
    spec = write_spec(tmp_path, write_scenario(tmp_path, ATTRITION_ONLY), design="cases", cases=CASES)
    with pytest.raises(ScenarioError, match="parameters: expected no parameters for design cases"):
        load_sweep(spec)
