"""The Python API: the same tables as the command line's files for the same inputs, one exception type."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.cli import main
from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec


@pytest.fixture
def scenario(tmp_path):
    return write_scenario(tmp_path, ATTRITION_ONLY, "base.yaml")


def test_api_run_gives_the_timeseries_and_summary_of_partysim_run(scenario, tmp_path):
    assert (
        main(
            [
                "run",
                str(scenario),
                "--set",
                "population.members=200",
                "--seed",
                "4",
                "--out",
                str(tmp_path / "r"),
                "--quiet",
            ]
        )
        == 0
    )
    result = sim.run(sim.Scenario.load(scenario, ["population.members=200"]), seed=4)
    file = pd.read_parquet(tmp_path / "r" / "timeseries.parquet")
    pd.testing.assert_frame_equal(result.timeseries.astype(file.dtypes.to_dict()), file)  # parquet keeps dates in ms
    assert result.summary == sim.Result.load(tmp_path / "r").summary


def test_api_sweep_tables_equal_the_command_lines(scenario, tmp_path):
    spec = write_spec(tmp_path, scenario)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "cli"), "--workers", "1", "--quiet"]) == 0
    found = sim.sweep(spec, out=tmp_path / "api", workers=1)
    for name, table in (("runs", found.runs), ("summary", found.summary)):
        pd.testing.assert_frame_equal(table, pd.read_parquet(tmp_path / "cli" / f"{name}.parquet"))
    assert found.failed == 0 and set(found.runs["outcome"]) == {"members", "exits"}


def test_api_compare_with_scenario_objects_equals_the_command_line_with_files(scenario, tmp_path):
    base = sim.Scenario.load(scenario)
    deadly = base.with_changes({"attrition.death_rate": 0.2, "name": "deadly"})
    deadly_file = write_scenario(
        tmp_path,
        {**ATTRITION_ONLY, "name": "deadly", "attrition": {**ATTRITION_ONLY["attrition"], "death_rate": 0.2}},
        "deadly.yaml",
    )
    assert (
        main(
            [
                "compare",
                str(scenario),
                str(deadly_file),
                "--reps",
                "3",
                "--out",
                str(tmp_path / "cli"),
                "--workers",
                "1",
                "--quiet",
                "--outcome",
                "final:members_full",
            ]
        )
        == 0
    )
    found = sim.compare(base, [deadly], reps=3, outcomes=["final:members_full"], out=tmp_path / "api", workers=1)
    pd.testing.assert_frame_equal(found.differences, pd.read_parquet(tmp_path / "cli" / "comparison.parquet"))
    assert found.differences["variant"].tolist() == ["deadly"] and found.differences["ci_high"].iloc[0] < 0
    page = sim.report(found)
    assert page == tmp_path / "api" / "report.html" and page.is_file()


def test_with_changes_uses_the_set_path_grammar_and_leaves_the_original_alone(scenario):
    base = sim.Scenario.load(scenario)
    changed = base.with_changes({"critique.every_two_days.field_labour": 0.5})
    assert changed.critique.every_two_days.field_labour == 0.5 and base.critique.every_two_days.field_labour != 0.5
    assert changed == sim.Scenario.load(scenario, ["critique.every_two_days.field_labour=0.5"])


def test_api_errors_are_one_exception_type_with_the_command_lines_message(scenario, tmp_path, capsys):
    assert (
        main(["compare", str(scenario), str(scenario), "--set", "population.members=-1", "--out", str(tmp_path / "x")])
        == 2
    )
    printed = capsys.readouterr().err.strip().removeprefix("partysim: error: ")
    with pytest.raises(sim.PartysimError) as raised:
        sim.compare(scenario, [scenario], overrides=["population.members=-1"], out=tmp_path / "y")
    assert str(raised.value) == printed
    with pytest.raises(sim.PartysimError, match="unknown field"):
        sim.sweep(write_spec(tmp_path, scenario, "bad.yaml", colour="red"))
    with pytest.raises(sim.PartysimError, match="expected a finished sweep directory"):
        sim.discover(tmp_path, outcome="members", below=1)


def test_every_exported_name_resolves_and_only_the_api_names_load_lazily():
    """``sim.__all__`` names each resolve; the names served lazily by ``sim.api`` are the exported ones not
    bound when ``sim`` is imported (none listed twice, none shadowed by a module-level name)."""
    import sim.api

    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    eager = {name for name in sim.__all__ if name in vars(sim)}
    assert sorted(sim.API_NAMES) == sorted(set(sim.__all__) - eager)
    assert all(getattr(sim, name) is getattr(sim.api, name) for name in sim.API_NAMES)
