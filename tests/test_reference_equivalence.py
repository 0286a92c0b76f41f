"""The vectorized engine against the per-member reference model (issue 8; DESIGN.md: "test oracle").

A 2,000-member county over two years, 2019-06-01 to 2021-06-01, so that the
2020 campaigns, the amnesty order of 2020-10-01 and the whole 8th Congress
cycle (announced 2020-08-19, opened 2021-01-05) fall inside the run. Every
mechanism is on except re-organization, which the reference leaves out
(``sim.reference.model``). Discipline is made busier than in ``county.yaml``
(more critique referrals and desertions, shorter good-conduct periods) so that
every rung of the ladder — demotion and restoration, removal from post,
expulsion with ratification, lifting — happens often enough in two years to
be compared.

30 replications of each model, with disjoint fixed seeds (engine 1..30,
reference 1001..1030) so that the two samples are independent, as the Welch
and Mann-Whitney tests assume. For every key outcome:

* the 99% Welch confidence interval of the difference of the means contains
  0 (the tolerance is derived from the replications' own variance);
* a Mann-Whitney U test of the two samples does not reject at the 1% level.

Each check is at the 1% level; over the ~16 outcomes a false alarm somewhere
has a probability of roughly 10-15% if the models were exactly equivalent,
but the seeds are fixed, so a run is reproducible, and a failure points at an
outcome to investigate, never at seeds to change.

Both models run in a pool of two worker processes; the 60 runs take about a
minute on a quiet 2-core machine (measured; see README "Reference model and
scale").
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.model.calendar import Calendar
from sim.reference.model import ReferenceModel, meeting_on_or_after, meeting_on_or_before, run_reference
from sim.scenario.spans import Span
from tests.conftest import SCENARIOS

REPLICATIONS = 30
ENGINE_SEEDS = tuple(range(1, 1 + REPLICATIONS))
REFERENCE_SEEDS = tuple(range(1001, 1001 + REPLICATIONS))
ALPHA = 0.01

OVERRIDES = (
    "population.members=2000",
    "start=2019-06-01",
    "duration=2y",
    "organization.reorganize=false",
    "critique.referral_probability=0.008",
    "discipline.causes.desertion.rate_per_year=0.004",
    "discipline.lift_after_days.warning=180",
    "discipline.lift_after_days.severe_warning=270",
    "discipline.lift_after_days.removal_from_post=365",
    "discipline.lift_after_days.probation=180",
)

#: Stocks read on the last row of the time series (the state at the end of the run).
FINAL_STOCKS = (
    "members_full",
    "members_candidate",
    "members_demoted",
    "punished_warning",
    "punished_severe_warning",
    "punished_removal_from_post",
    "punished_probation",
)
#: Flows summed over the run.
TOTALS = (
    "admitted",
    "candidates_expelled",
    "expelled",
    "exits",
    "demoted",
    "restored",
    "punishments_issued",
    "punishments_lifted",
    "amnestied",
    "achievers_credited",
)
#: Figures of the Congress cycle (slots are fixed totals: the delegates selected should match exactly).
CONGRESS = ("recommended", "delegates_selected")
OUTCOMES = FINAL_STOCKS + TOTALS + CONGRESS


@functools.lru_cache(maxsize=1)
def equivalence_scenario() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "county.yaml", list(OVERRIDES))


def outcomes(timeseries: pd.DataFrame, summary: dict) -> dict[str, float]:
    """The key outcomes of one run, read the same way from either model's output."""
    last = timeseries.iloc[-1]
    values = {name: float(last[name]) for name in FINAL_STOCKS}
    values.update({name: float(timeseries[name].sum()) for name in TOTALS})
    (cycle,) = summary["congress"]
    values.update({name: float(cycle[name]) for name in CONGRESS})
    return values


def replicate(model: str, seed: int) -> dict[str, float]:
    """One replication of ``model`` ("engine" or "reference"); run in a worker process."""
    scenario = equivalence_scenario()
    result = sim.run(scenario, seed=seed) if model == "engine" else run_reference(scenario, seed=seed)
    return outcomes(result.timeseries, result.summary)


@pytest.fixture(scope="module")
def samples() -> dict[str, pd.DataFrame]:
    """30 replications of each model: one row per run, one column per outcome."""
    jobs = [("engine", seed) for seed in ENGINE_SEEDS] + [("reference", seed) for seed in REFERENCE_SEEDS]
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        rows = list(pool.map(replicate, *zip(*jobs)))
    frame = pd.DataFrame(rows)
    frame["model"] = [model for model, _ in jobs]
    return {model: frame[frame["model"] == model][list(OUTCOMES)] for model in ("engine", "reference")}


def welch_interval(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float]:
    """Confidence interval of mean(a) - mean(b) with Welch's unequal-variance t."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff = a.mean() - b.mean()
    se = np.sqrt(va + vb)
    if se == 0:
        return diff, diff
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    return diff - half, diff + half


def describe(samples: dict[str, pd.DataFrame], outcome: str) -> str:
    e, r = samples["engine"][outcome], samples["reference"][outcome]
    return f"{outcome}: engine {e.mean():.2f} ± {e.std():.2f}, reference {r.mean():.2f} ± {r.std():.2f} (mean ± sd, n={len(e)})"


# -- the equivalence -----------------------------------------------------------


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_means_agree_within_the_99_percent_welch_interval(samples, outcome):
    low, high = welch_interval(
        samples["engine"][outcome].to_numpy(), samples["reference"][outcome].to_numpy(), 1 - ALPHA
    )
    assert low <= 0 <= high, f"{describe(samples, outcome)}; 99% CI of the difference [{low:.2f}, {high:.2f}]"


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_endpoint_distributions_agree_mann_whitney(samples, outcome):
    e, r = samples["engine"][outcome].to_numpy(), samples["reference"][outcome].to_numpy()
    if np.ptp(np.concatenate([e, r])) == 0:
        return  # every run of both models gave the same value
    p = stats.mannwhitneyu(e, r, alternative="two-sided").pvalue
    assert p >= ALPHA, f"{describe(samples, outcome)}; Mann-Whitney p = {p:.4f}"


def test_the_equivalence_scenario_exercises_every_rung_of_the_ladder(samples):
    """A test that cannot fail is no test: each compared flow must actually happen in the runs."""
    for model, frame in samples.items():
        for outcome in (
            "expelled",
            "demoted",
            "restored",
            "candidates_expelled",
            "amnestied",
            "punished_removal_from_post",
        ):
            assert frame[outcome].sum() > 0, f"{model}: no {outcome} in {REPLICATIONS} runs"


def test_delegates_fill_the_fixed_slots(samples):
    cycle = equivalence_scenario().congress.cycles[0]
    slots = cycle.delegates_total + cycle.ex_officio_total
    for model, frame in samples.items():
        assert frame["delegates_selected"].max() <= slots, model
        assert frame["delegates_selected"].mean() >= slots - 0.5, model


# -- the reference's own footing ---------------------------------------------------


def test_reference_starts_from_the_engines_day_zero_state():
    scenario = sim.load_scenario(
        SCENARIOS / "county.yaml",
        [
            "population.members=300",
            "duration=2m",
            "organization.reorganize=false",
            "campaigns=[]",
            "congress.enabled=false",
            "amnesty.enabled=false",
        ],
    )
    engine, reference = sim.run(scenario, seed=5).timeseries, run_reference(scenario, seed=5).timeseries
    for column in ("members_full", "members_candidate", "applicants", "punished_total"):
        assert engine[column].iloc[0] == reference[column].iloc[0], column
    assert list(engine["day"]) == list(reference["day"])


def test_reference_refuses_reorganization():
    scenario = sim.load_scenario(
        SCENARIOS / "county.yaml",
        ["population.members=100", "duration=1m", "campaigns=[]", "congress.enabled=false", "amnesty.enabled=false"],
    )
    with pytest.raises(ValueError, match="reorganize"):
        ReferenceModel(scenario, seed=1).run()


def test_meeting_dates_agree_with_the_calendar():
    """The reference's datetime arithmetic and the engine's vectorized cohort dates give the same meetings."""
    cal = Calendar(dt.date(2019, 12, 15), Span.parse("3y"))
    days = np.arange(0, cal.horizon, 5)
    for meeting_day in (1, 14, 28):
        md = np.full(len(days), meeting_day)
        assert cal.next_monthly(days, md).tolist() == [meeting_on_or_after(cal, d, meeting_day) for d in days.tolist()]
        assert cal.previous_monthly(days + 400, md).tolist() == [
            meeting_on_or_before(cal, d, meeting_day) for d in (days + 400).tolist()
        ]
