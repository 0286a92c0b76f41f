"""A newcomer's first hour: the commands of the README, tried as a new user would, without friction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from sim.cli import build_parser, main
from sim.many.compare import print_table
from tests.conftest import SCENARIOS
from tests.many_runs import ATTRITION_ONLY, write_scenario

COUNTY_SMALL = ["--set", "population.members=600"]


@pytest.fixture
def scenario(tmp_path):
    return write_scenario(tmp_path, ATTRITION_ONLY)


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and re.fullmatch(r"partysim \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_validate_resolved_prints_json_alone(scenario, capsys):
    assert main(["validate", str(scenario), "--resolved"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["name"] == "attrition-only"
    assert "valid scenario" in captured.err


def test_set_without_an_equals_sign_is_named_as_such(scenario, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(scenario), "--set", "attrition.death_rate", "0.02"])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and "\n" not in err
    assert err == (
        "partysim: error: --set attrition.death_rate: expected path.to.field=value, found no '=' "
        "(write --set attrition.death_rate=0.02)"
    )


def test_an_option_mistake_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and err.startswith("partysim: error: ") and "\n" not in err


def test_quiet_still_says_where_the_results_went(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == f"results in {out}\n"


def test_help_has_no_restructuredtext_markup(capsys):
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._subparsers._group_actions:
        texts += [sub.format_help() for sub in action.choices.values()]
    assert not [text for text in texts if "`" in text]


def test_the_run_summary_shows_the_congress_delegates(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "county.yaml"), *COUNTY_SMALL, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"8th Congress delegates\s+│\s+\d+", out) and "delegates via ties" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["punishments"]
    assert re.search(rf"expulsions per punishment\s+│\s+{summary['expulsions_per_punishment']:.3f}", out)
    assert re.search(rf"punishments per member-year\s+│\s+{summary['punished_share_per_year'] * 100:.2f}%", out)


def test_compare_outcomes_include_the_delegates_by_default(tmp_path):
    county = str(SCENARIOS / "county.yaml")
    out = tmp_path / "out"
    assert (
        main(["compare", county, county, "--reps", "2", *COUNTY_SMALL, "--out", str(out), "--workers", "1", "--quiet"])
        == 0
    )
    outcomes = set(pd.read_parquet(out / "comparison.parquet")["outcome"])
    assert {"summary:congress.0.delegates_selected", "summary:congress.0.by_route.ties"} <= outcomes


def test_compare_without_a_congress_compares_the_rest(scenario, tmp_path):
    out = tmp_path / "out"
    assert (
        main(["compare", str(scenario), str(scenario), "--reps", "2", "--out", str(out), "--workers", "1", "--quiet"])
        == 0
    )
    outcomes = set(pd.read_parquet(out / "comparison.parquet")["outcome"])
    assert "summary:final.members_full" in outcomes and not any("congress" in o for o in outcomes)


def test_the_compare_table_keeps_names_whole_and_numbers_in_one_format():
    names = ["summary:totals.punishments_issued", "summary:totals.punishments_lifted"]
    table = pd.DataFrame(
        {
            "variant": "v",
            "outcome": names,
            "n": 5,
            "base_mean": [17_840.0, 2915.0],
            "variant_mean": [17_900.5, 0.0123],
            "diff_mean": [60.5, -2914.9877],
            "ci_low": [10.0, -3000.0],
            "ci_high": [111.0, -2800.0],
            "p_value": [0.0123, 1e-9],
            "p_adjusted": [0.0123, 2e-9],
            "paired": True,
        }
    )
    narrow = Console(width=80, record=True)
    print_table(table, narrow)
    assert "…" not in narrow.export_text()  # wrapped, never cut
    wide = Console(width=200, record=True)
    print_table(table, wide)
    text = wide.export_text()
    assert all(name in text for name in names)
    assert "e+" not in text and "17,840" in text and "2,915" in text and "<0.001" in text


def error_of(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("partysim: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [("populaton.members=3", "population"), ("population.membrs=3", "population.members")],
)
def test_an_unknown_field_gets_a_did_you_mean(scenario, capsys, override, suggestion):
    err = error_of(capsys, ["validate", str(scenario), "--set", override])
    assert err.endswith(f"unknown field (did you mean {suggestion}?)")


def test_a_sweep_spec_given_to_run_points_to_sweep(tmp_path, scenario, capsys):
    from tests.many_runs import write_spec

    spec = write_spec(tmp_path, scenario)
    err = error_of(capsys, ["run", str(spec)])
    assert "expected a scenario file, found a sweep spec" in err and f"partysim sweep {spec}" in err


def test_a_calibration_spec_given_to_run_points_to_calibrate(capsys):
    spec = Path(__file__).resolve().parents[1] / "calibrations" / "national-8th.yaml"
    err = error_of(capsys, ["validate", str(spec)])
    assert "expected a scenario file, found a calibration spec" in err and f"partysim calibrate {spec}" in err


def test_a_scenario_given_to_sweep_points_to_run(scenario, capsys):
    err = error_of(capsys, ["sweep", str(scenario)])
    assert "expected a sweep spec, found a scenario file" in err and f"partysim run {scenario}" in err


def test_a_malformed_set_entry_of_a_spec_names_its_file_and_line(tmp_path, scenario, capsys):
    from tests.many_runs import write_spec

    spec = write_spec(tmp_path, scenario, set=["population.members 100"])
    line = next(i for i, text in enumerate(spec.read_text().splitlines(), 1) if "population.members 100" in text)
    err = error_of(capsys, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert f"{spec} (line {line}): set.0: expected path.to.field=value, found no '='" in err


def test_schema_fields_is_a_readable_table_of_every_field(capsys):
    from sim.scenario.loading import field_rows

    assert main(["schema", "--fields"]) == 0
    out = capsys.readouterr().out
    rows = field_rows()
    assert {"population.members", "congress", "amnesty.enabled"} <= {row[0] for row in rows}
    assert "population.members" in out and "{" not in out.splitlines()[0]
    sections = [row for row in rows if "." not in row[0]]
    assert all(description for _, _, _, description in sections), "every top-level field is described"


def test_a_small_sobol_sweep_warns_on_stderr_in_sweep_json_and_in_the_report(tmp_path, scenario, capsys):
    from tests.many_runs import write_spec

    spec = write_spec(
        tmp_path,
        scenario,
        design="sobol",
        samples=8,
        replications=2,
        parameters={"attrition.death_rate": {"low": 0.005, "high": 0.05}},
    )
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "partysim: warning: Sobol' indices from N = 8 base samples are unreliable" in err
    assert "from 2 replications" in err
    warnings = json.loads((out / "sweep.json").read_text())["warnings"]
    assert any("N = 8" in warning for warning in warnings)
    assert main(["report", str(out)]) == 0
    assert (
        "Sobol&#x27; indices from N = 8" in (out / "report.html").read_text()
        or "N = 8 base samples" in (out / "report.html").read_text()
    )
