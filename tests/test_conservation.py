"""Stock at t = stock at t-1 + inflows - outflows, on every row of the time series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import simulate, small_scenario

#: stock column -> (inflow columns, outflow columns)
IDENTITIES = {
    "applicants": (["applications"], ["applications_rejected", "candidates_approved"]),
    "members_candidate": (
        ["candidates_approved"],
        ["admitted", "candidates_expelled", "expelled_candidates", "exits_candidates"],
    ),
    "members_full": (["admitted", "restored"], ["expelled_full", "exits_full", "demoted"]),
    "members_demoted": (["demoted"], ["restored", "expelled_demoted", "exits_demoted"]),
}


def assert_conserved(ts: pd.DataFrame) -> None:
    for stock, (inflows, outflows) in IDENTITIES.items():
        change = ts[stock].diff().iloc[1:].to_numpy()
        net = (ts[inflows].sum(axis=1) - ts[outflows].sum(axis=1)).iloc[1:].to_numpy()
        bad = np.flatnonzero(change != net)
        assert len(bad) == 0, f"{stock} not conserved at rows {bad[:5].tolist()}"


def test_member_stocks_are_conserved_row_by_row():
    _, result = simulate(small_scenario(membership={"applications_per_member_year": 0.1}), events=False)
    ts = result.timeseries
    assert ts["admitted"].sum() > 0 and ts["exits"].sum() > 0
    assert_conserved(ts)


def test_first_row_is_the_initial_state_and_rows_are_weekly():
    scenario = small_scenario()
    _, result = simulate(scenario, events=False)
    ts = result.timeseries
    assert ts["day"].iloc[0] == 0 and ts.iloc[0][["admitted", "exits", "applications"]].sum() == 0
    assert ts["members_full"].iloc[0] + ts["members_candidate"].iloc[0] == scenario.population.members
    assert set(np.diff(ts["day"].to_numpy())[:-1]) == {7}
    assert ts["day"].iloc[-1] == 730  # the run's end: 2 years from 2016-05-10
