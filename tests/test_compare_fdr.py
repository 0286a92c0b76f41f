"""Multiple comparisons: Benjamini–Hochberg adjusted p-values beside the raw ones, and marks that use them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.many.compare import comparison_table, significant
from sim.many.intervals import adjusted_p_values
from sim.report import plots_compare


def test_bh_adjusted_p_values_match_scipy_and_keep_missing_ones():
    p = np.array([0.001, 0.04, np.nan, 0.03, 0.2, 0.8])
    adjusted = adjusted_p_values(p)
    finite = np.isfinite(p)
    assert np.isnan(adjusted[2])
    np.testing.assert_allclose(adjusted[finite], stats.false_discovery_control(p[finite], method="bh"))


def test_comparison_marks_use_adjusted_not_raw_p_values():
    table = pd.DataFrame(
        {
            "p_value": [0.01, 0.04, 0.045, 0.5],
            "ci_low": [1.0, 1.0, 1.0, -1.0],
            "ci_high": [2.0, 2.0, 2.0, 1.0],
        }
    )
    table["p_adjusted"] = adjusted_p_values(table["p_value"])
    # Raw p-values mark three rows; after adjustment (0.04, 0.06, 0.06, 0.5) only the first stays.
    assert significant(table).tolist() == [True, False, False, False]
    assert [plots_compare.significant(row) for _, row in table.iterrows()] == [True, False, False, False]


def test_comparison_table_adjusts_over_every_variant_and_outcome():
    from sim.many.runs import OK, RunRecord

    class Arm:
        def __init__(self, label):
            self.label = label

    rng = np.random.default_rng(4)
    records = []
    for rep in range(6):
        base = {"a": rng.normal(), "b": rng.normal()}
        records.append(RunRecord(f"base/{rep}", OK, base))
        records.append(RunRecord(f"v/{rep}", OK, {"a": base["a"] + rng.normal(0.5, 1), "b": base["b"] + rng.normal()}))
    table = comparison_table([Arm("base"), Arm("v")], 6, {"a": None, "b": None}, records, paired=True)
    np.testing.assert_allclose(table["p_adjusted"], stats.false_discovery_control(table["p_value"]))
