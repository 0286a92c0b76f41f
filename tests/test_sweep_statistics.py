"""The 95% CI of summary.parquet covers the true mean of an analytic scenario as often as it should.

With only attrition acting, each of N0 full members survives each weekly step
independently, so after 52 weekly steps the final count is
Binomial(N0, s) with s = exp(-mu * 364 / 365.25), mu the total exit rate:
mean N0 s, variance N0 s (1 - s). A sweep of 50 points (a text field that does
not change the model, so each point is 3 fresh replications) gives 50
intervals; a correct 95% interval covers the mean at least 45 times out of 50
except with probability P(Binomial(50, 0.95) < 45) = 3.8%; the seed is fixed,
so the test is deterministic.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from sim.many.executors import LocalPool
from sim.many.sweep import load_sweep, run_sweep
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec

POINTS, REPS = 50, 3


def test_ci_of_the_mean_covers_the_analytic_mean_in_at_least_90_percent_of_50_repetitions(tmp_path):
    scenario = {**ATTRITION_ONLY, "population": {"members": 1000, "candidate_share": 0.0}}
    rates = scenario["attrition"]
    mu = rates["death_rate"] + rates["retirement_rate"] + rates["transfer_out_rate"]
    n0, survival = 1000, math.exp(-mu * 364 / 365.25)
    true_mean, true_sd = n0 * survival, math.sqrt(n0 * survival * (1 - survival))

    spec = write_spec(
        tmp_path,
        write_scenario(tmp_path, scenario),
        replications=REPS,
        seed=2024,
        parameters={"description": [f"repetition {i}" for i in range(POINTS)]},
        outcomes={"members": "final:members_full", "initial": "initial:members_full"},
    )
    pool = LocalPool(2)
    try:
        run_sweep(load_sweep(spec), tmp_path / "out", pool, show_progress=False)
    finally:
        pool.close()
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    assert (summary.query("outcome == 'initial'")["mean"] == n0).all()  # the analytic start holds
    members = summary.query("outcome == 'members'")
    assert len(members) == POINTS and (members["n"] == REPS).all()

    covered = ((members["ci_low"] <= true_mean) & (true_mean <= members["ci_high"])).sum()
    assert covered >= 0.9 * POINTS, f"{covered}/{POINTS} intervals cover {true_mean:.1f}"
    # The intervals are not trivially wide: the pooled sd matches the binomial sd (its chi-square 99.9% band).
    pooled_var = (members["sd"] ** 2).mean()
    df = POINTS * (REPS - 1)
    assert stats.chi2.ppf(0.0005, df) / df < pooled_var / true_sd**2 < stats.chi2.ppf(0.9995, df) / df
    # and the grand mean is within 4 standard errors of the analytic mean
    assert members["mean"].mean() == pytest.approx(true_mean, abs=4 * true_sd / math.sqrt(POINTS * REPS))
