"""Little's law for punishments: the stock under each level is rate x members x good-conduct period.

Special case. Two causes with constant rates, each falling on its own half of
the party (by sector modifiers, so that no member holds both): lax discipline
(rate r1) gives warnings, anti-socialist acts (rate r2) severe warnings.
Conviction is certain, repeat offences do not escalate (a new punishment of
the same level replaces the standing one and restarts its clock), nobody
joins or leaves and critique is off. The source ("Basic Party
Organizations": the cell evaluates its members; Daily NK: "warnings and
severe warnings") gives the rungs; the periods are scenario assumptions.

Analytic mean. The case is decided at the cell's next monthly meeting and the
punishment is lifted at the first meeting on or after D days; with D a whole
number of years, meeting days 1..28 and no 29 February inside the run
(2020-03-01 .. 2024-02-01), that is exactly D days later. So a member is
punished at t exactly when convicted at one of the cell meetings of the D
days before t; those meetings take up the offences of D consecutive days,
each week's offence being Bernoulli(1 - exp(-7r/365.25)). Hence

    E[stock] = N (1 - exp(-r D / 365.25))   ~  r N D / 365.25   (Little: L = lambda W),

which is stationary once D plus one month (the first meeting) has passed.

Tolerance. Convictions arrive at lambda = r N / 365.25 per day and stay D
days: the M/G/infinity stock, Poisson with autocovariance
C(s) = lambda (D - s)+ (two windows of D days s apart share D - s days; the
binomial stock above has a smaller variance, so the bound is conservative).
The time average over the weekly rows after warm-up has variance
(1/n^2) sum_ij C(|t_i - t_j|), divided by the number of seeds; the test
accepts 4 such standard deviations (about 2.6% of the warning stock, 3.2%
of the severe-warning one).

What breaks it: a doubled offence rate or good-conduct period (+100%), a
lifting one meeting late (+8% of the warnings), lifting periods swapped
between levels, or warnings counted under the wrong level.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.sectors import SECTORS
from sim.run.engine import Simulation
from tests.conftest import small_scenario
from tests.test_discipline import only
from tests.validity.tolerance import assert_within_sigmas, time_average_variance

MEMBERS = 40_000
SEEDS = range(4)
#: Warnings fall on field labour, severe warnings on the service sector, each half of the party.
WARNING = {"cause": "lax_discipline", "sector": "field_labour", "rate": 0.1, "period": 365}
SEVERE = {"cause": "anti_socialist", "sector": "service", "rate": 0.08, "period": 730}
#: The first cell meeting, which convicts the first offences, is within a month of day 0.
FIRST_MEETING_DAYS = 31


def _scenario() -> sim.Scenario:
    # Half the workplaces of each sector; residential cells count with field labour, office holders (party
    # workers) are spared by both causes.
    types = {name: {"share": 0} for name in SECTORS} | {WARNING["sector"]: {"share": 1}, SEVERE["sector"]: {"share": 1}}
    causes = only(
        **{
            WARNING["cause"]: {
                "rate_per_year": WARNING["rate"],
                "level": "warning",
                "sector_modifiers": {SEVERE["sector"]: 0, "party_political": 0},
            },
            SEVERE["cause"]: {
                "rate_per_year": SEVERE["rate"],
                "level": "severe_warning",
                "sector_modifiers": {WARNING["sector"]: 0, "party_political": 0},
            },
        }
    )
    return small_scenario(
        start="2020-03-01",
        duration="47m",
        population={"members": MEMBERS},
        organization={"reorganize": False, "types": types, "residential_type": WARNING["sector"]},
        membership={"enabled": False},
        attrition={"enabled": False},
        critique={"enabled": False},
        discipline={
            "causes": causes,
            "conviction_probability": 1.0,
            "escalate_repeat": False,
            "lift_after_days": {"warning": WARNING["period"], "severe_warning": SEVERE["period"]},
        },
    )


@pytest.fixture(scope="module")
def runs() -> list[tuple[dict[str, int], pd.DataFrame]]:
    """Per seed: members per sector (fixed: nobody joins, leaves or changes office) and the time series."""
    out = []
    for seed in SEEDS:
        simulation = Simulation(_scenario(), seed=seed)
        pop = simulation.world.pop
        per_sector = np.bincount(simulation.world.sectors(np.arange(pop.n)), minlength=len(SECTORS))
        out.append(({name: int(per_sector[i]) for i, name in enumerate(SECTORS)}, simulation.run().timeseries))
    return out


@pytest.mark.parametrize("level, spec", [("warning", WARNING), ("severe_warning", SEVERE)])
def test_time_averaged_punished_stock_is_rate_times_members_times_period(runs, level: str, spec: dict) -> None:
    rate, period = spec["rate"], spec["period"]
    averages, means, variances = [], [], []
    for members_by_sector, timeseries in runs:
        members = members_by_sector[spec["sector"]]
        steady = timeseries[timeseries["day"] >= period + FIRST_MEETING_DAYS]
        averages.append(steady[f"punished_{level}"].mean())
        means.append(members * -math.expm1(-rate * period / 365.25))
        per_day = rate * members / 365.25
        variances.append(
            time_average_variance(
                steady["day"].to_numpy(), lambda lag, per_day=per_day: per_day * np.maximum(period - lag, 0)
            )
        )
    sd = math.sqrt(sum(variances)) / len(runs)
    assert_within_sigmas(float(np.mean(averages)), float(np.mean(means)), sd, f"time-averaged punished_{level}")
