"""partysim compare: paired replications with common random numbers, CIs and tests of differences."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.many.compare import load_arms, run_comparison
from sim.many.executors import InProcess, LocalPool
from sim.many.intervals import independent_difference, mean_interval, paired_difference
from tests.many_runs import ATTRITION_ONLY, write_scenario

#: Every mechanism on, small: recruitment and attrition move the membership, discipline expels a few.
SMALL_PARTY = {"name": "small-party", "duration": "1y", "population": {"members": 300}}


@pytest.fixture
def scenarios(tmp_path):
    base = write_scenario(tmp_path, ATTRITION_ONLY, "base.yaml")
    same = write_scenario(tmp_path, {**ATTRITION_ONLY, "name": "same-again"}, "same.yaml")
    faster = write_scenario(
        tmp_path,
        {**ATTRITION_ONLY, "name": "faster-exits", "attrition": {**ATTRITION_ONLY["attrition"], "death_rate": 0.2}},
        "faster.yaml",
    )
    return base, same, faster


def test_paired_and_welch_intervals_agree_with_scipy():
    rng = np.random.default_rng(0)
    base = rng.normal(10, 2, 12)
    variant = base + rng.normal(1, 0.5, 12)
    paired = paired_difference(base, variant)
    assert paired.p_value == pytest.approx(stats.ttest_rel(variant, base).pvalue)
    half = stats.t.ppf(0.975, 11) * np.std(variant - base, ddof=1) / np.sqrt(12)
    assert (paired.low, paired.high) == pytest.approx((paired.diff_mean - half, paired.diff_mean + half))
    welch = independent_difference(base, variant)
    assert welch.p_value == pytest.approx(stats.ttest_ind(variant, base, equal_var=False).pvalue)
    assert mean_interval([1.0, np.nan, 3.0]).n == 2


def test_identical_scenarios_under_common_random_numbers_differ_by_exactly_zero(scenarios, tmp_path):
    base, same, faster = scenarios
    arms = load_arms(str(base), [str(same), str(faster)], [])
    report = run_comparison(
        arms, 3, 5, tmp_path / "out", InProcess(), {"members": "final:members_full"}, show_progress=False
    )
    rows = report.table.set_index("variant")
    assert rows.loc["same-again", "diff_mean"] == 0 and rows.loc["same-again", "diff_sd"] == 0
    assert (rows.loc["same-again", "ci_low"], rows.loc["same-again", "ci_high"], rows.loc["same-again", "p_value"]) == (
        0,
        0,
        1,
    )
    assert rows.loc["faster-exits", "ci_high"] < 0  # more deaths, fewer members, beyond noise


def test_comparison_directory_follows_the_output_contract(scenarios, tmp_path, capsys):
    base, _, faster = scenarios
    out = tmp_path / "out"
    assert (
        main(
            [
                "compare",
                str(base),
                str(faster),
                str(faster),
                "--reps",
                "3",
                "--out",
                str(out),
                "--workers",
                "1",
                "--outcome",
                "members=final:members_full",
                "--outcome",
                "sum:exits",
            ]
        )
        == 0
    )
    assert "variant - base" in capsys.readouterr().out
    table = pd.read_parquet(out / "comparison.parquet")
    assert list(table.columns) == [
        "variant",
        "outcome",
        "n",
        "base_mean",
        "variant_mean",
        "diff_mean",
        "diff_sd",
        "ci_low",
        "ci_high",
        "p_value",
        "paired",
        "p_adjusted",
    ]
    assert list(table["variant"].unique()) == ["faster-exits", "faster-exits-2"] and table["paired"].all()
    meta = json.loads((out / "comparison.json").read_text())
    assert meta["kind"] == "comparison" and meta["reps"] == 3 and meta["paired"] is True
    assert meta["seeds"]["base"] == meta["seeds"]["faster-exits"] == meta["seeds"]["faster-exits-2"]
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["base", "faster-exits", "faster-exits-2"]
    assert sorted(p.name for p in (out / "runs" / "base").iterdir()) == ["0", "1", "2"]
    # the two copies of the variant ran with the same seeds: identical results
    rows = table.set_index(["variant", "outcome"])
    assert (
        rows.loc[("faster-exits", "members"), "variant_mean"] == rows.loc[("faster-exits-2", "members"), "variant_mean"]
    )


def test_default_outcomes_are_every_headline_number(scenarios, tmp_path):
    base, _, faster = scenarios
    report = run_comparison(
        load_arms(str(base), [str(faster)], []), 2, 1, tmp_path / "out", InProcess(), show_progress=False
    )
    assert {"summary:final.members_full", "summary:totals.exits"} <= set(report.table["outcome"])


def test_bad_outcome_is_a_usage_error_and_writes_nothing(scenarios, tmp_path, capsys):
    base, _, faster = scenarios
    out = tmp_path / "out"
    assert main(["compare", str(base), str(faster), "--out", str(out), "--outcome", "peak:members_full"]) == 2
    assert "--outcome peak:members_full: expected an outcome like final:members_full" in capsys.readouterr().err
    assert (
        main(["compare", str(base), str(faster), "--out", str(out), "--workers", "1", "--outcome", "final:nope"]) == 2
    )
    assert "--outcome final:nope: expected a time-series column, found no column 'nope'" in capsys.readouterr().err
    assert not out.exists()


def test_common_random_numbers_at_least_halve_the_ci_of_a_difference(tmp_path):
    """The variant changes one mechanism (discipline convicts half as often); the outcome, full members,
    is driven mostly by recruitment and attrition, whose draws CRN shares between base and variant."""
    base = write_scenario(tmp_path, SMALL_PARTY, "party.yaml")
    lenient = write_scenario(
        tmp_path, {**SMALL_PARTY, "name": "lenient", "discipline": {"conviction_probability": 0.4}}, "lenient.yaml"
    )
    arms = load_arms(str(base), [str(lenient)], [])
    outcome = {"members": "final:members_full"}
    pool = LocalPool(2)
    try:
        paired = run_comparison(arms, 8, 3, tmp_path / "crn", pool, outcome, show_progress=False).table.iloc[0]
        independent = run_comparison(
            arms, 8, 3, tmp_path / "independent", pool, outcome, independent=True, show_progress=False
        ).table.iloc[0]
    finally:
        pool.close()
    assert paired["paired"] and not independent["paired"]
    assert independent["diff_sd"] > 0  # noise there is to remove
    width = lambda row: row["ci_high"] - row["ci_low"]  # noqa: E731
    assert width(paired) <= 0.5 * width(independent), (paired.to_dict(), independent.to_dict())
