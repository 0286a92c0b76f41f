"""Replications to a precision: batches of paired runs until every interval is narrow enough, seeds continued."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main
from sim.many.compare import load_arms, run_comparison
from sim.many.executors import InProcess
from sim.many.precision import Precision
from tests.many_runs import ATTRITION_ONLY, write_scenario

OUTCOMES = {"members": "final:members_full", "founding": "initial:members_full"}  # the second is met at once


@pytest.fixture
def arms(tmp_path):
    base = write_scenario(tmp_path, ATTRITION_ONLY, "base.yaml")
    faster = write_scenario(
        tmp_path,
        {**ATTRITION_ONLY, "name": "faster", "attrition": {**ATTRITION_ONLY["attrition"], "death_rate": 0.05}},
        "faster.yaml",
    )
    return load_arms(str(base), [str(faster)], [])


def test_precision_mode_stops_once_every_interval_is_narrow_enough(arms, tmp_path):
    precision = Precision(0.015, max_replications=40)
    report = run_comparison(arms, 2, 5, tmp_path / "p", InProcess(), OUTCOMES, precision=precision, show_progress=False)
    table = report.table
    n = int(table["n"].iloc[0])
    assert 2 < n < 40 and table["precision_met"].all()
    assert (table["precision"] <= 0.015).all()
    meta = json.loads((tmp_path / "p" / "comparison.json").read_text())
    assert meta["reps"] == n and meta["precision"]["batches"][-1] == n and meta["precision"]["batches"][0] == 2
    # One replication fewer would not have been precise enough: the stop is the first batch that is.
    before = run_comparison(
        arms, meta["precision"]["batches"][-2], 5, tmp_path / "b", InProcess(), OUTCOMES, show_progress=False
    )
    assert not (precision.annotate(before.table, "base_mean")["precision_met"]).all()


def test_precision_mode_differences_equal_a_fixed_run_of_the_same_count(arms, tmp_path):
    grown = run_comparison(
        arms,
        2,
        5,
        tmp_path / "p",
        InProcess(),
        OUTCOMES,
        precision=Precision(0.015, max_replications=40),
        show_progress=False,
    )
    n = int(grown.table["n"].iloc[0])
    fixed = run_comparison(arms, n, 5, tmp_path / "f", InProcess(), OUTCOMES, show_progress=False)
    columns = ["variant", "outcome", "n", "base_mean", "variant_mean", "diff_mean", "diff_sd", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(grown.table[columns], fixed.table[columns])


def test_precision_mode_stops_at_the_cap_and_says_so(arms, tmp_path, capsys):
    out = tmp_path / "cap"
    code = main(
        [
            "compare",
            *(str(a.path) for a in arms),
            "--reps",
            "2",
            "--precision",
            "1e-9",
            "--max-reps",
            "3",
            "--workers",
            "1",
            "--out",
            str(out),
            "--outcome",
            "members=final:members_full",
        ]
    )
    assert code == 0
    table = pd.read_parquet(out / "comparison.parquet")
    assert table["n"].tolist() == [3] and not table["precision_met"].any()
    assert "NOT reached (cap)" in capsys.readouterr().out


def test_absolute_precision_is_in_the_outcomes_units(arms, tmp_path):
    wide = Precision(1e6, absolute=True)
    report = run_comparison(arms, 2, 5, tmp_path / "a", InProcess(), OUTCOMES, precision=wide, show_progress=False)
    assert report.table["n"].tolist() == [2, 2]  # any interval is narrower than a million members


def test_precision_option_errors_are_one_line(arms, capsys):
    assert main(["compare", *(str(a.path) for a in arms), "--absolute"]) == 2
    assert "--absolute: expected --precision" in capsys.readouterr().err
    assert main(["compare", *(str(a.path) for a in arms), "--precision", "0"]) == 2
    assert "--precision: expected a half-width above 0" in capsys.readouterr().err
