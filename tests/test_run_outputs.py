"""The time series a run returns is the table its run directory holds (sim.run.result).

The run keeps the series as numpy columns and writes Parquet through pyarrow
from them, not through pandas; whatever the path, a reader gets the run's own
table back: same columns in the same order, same values, same dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.run.result import Result, write_columns
from tests.conftest import SCENARIOS, UNDATED

TINY = ["population.members=300", "duration=8w", *UNDATED]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_saved_time_series_reads_back_as_the_runs_table(tmp_path, fmt):
    result = sim.run(sim.load_scenario(SCENARIOS / "county.yaml", TINY), seed=4)
    loaded = Result.load(result.save(tmp_path / "run", fmt=fmt))
    # Parquet stores the dates in milliseconds and CSV as text: the values, not the unit, must match.
    pd.testing.assert_frame_equal(loaded.timeseries, result.timeseries, check_dtype=False)
    assert loaded.timeseries.dtypes.drop("date").eq("int64").all()
    assert list(result.timeseries.columns) == list(result.columns)


def test_the_table_is_built_from_the_columns_once(tmp_path):
    result = sim.run(sim.load_scenario(SCENARIOS / "county.yaml", TINY), seed=4)
    assert result.timeseries is result.timeseries
    assert result.timeseries["date"].iloc[0] == pd.Timestamp(result.summary["start"])
    assert (result.timeseries["members_full"].to_numpy() == result.columns["members_full"]).all()


def test_columns_of_every_buffer_compatible_type_are_written_as_themselves_and_others_refused(tmp_path):
    """Parquet is written from the columns' memory: a type whose Arrow layout differs is refused, not garbled."""
    columns = {
        "date": np.array(["2020-01-01T00:00:00", "2020-01-08T00:00:00"], dtype="datetime64[s]"),
        "small": np.array([-3, 7], dtype=np.int8),
        "share": np.array([0.25, 1.5], dtype=np.float32),
        "count": np.array([1, 2**40], dtype=np.int64),
    }
    write_columns(columns, tmp_path / "table", "parquet")
    back = pq.read_table(tmp_path / "table.parquet").to_pandas()
    for name, values in columns.items():
        np.testing.assert_array_equal(back[name].to_numpy(), values)
    for refused in (np.array([True, False]), np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]")):
        with pytest.raises(TypeError, match="no Arrow buffer layout"):
            write_columns({"x": refused}, tmp_path / "refused", "parquet")
    assert not (tmp_path / "refused.parquet").exists()
