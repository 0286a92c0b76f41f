"""Bad input gets one clear line naming file and field, exit code 2, no traceback, no output."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.cli import main
from tests.conftest import SCENARIOS, UNDATED


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    "content, expected",
    [
        ("name: x\npopulation: {members: 100\n", "invalid YAML"),
        ("name: x\npopulaton:\n  members: 100\n", "populaton: unknown field"),
        ("population:\n  members: lots\n", "population.members: expected a valid integer"),
        ("attrition:\n  death_rate: -0.1\n", "attrition.death_rate: expected greater than or equal to 0"),
        (
            "membership:\n  qualify_probability: 1.5\n",
            "membership.qualify_probability: expected less than or equal to 1",
        ),
        ("duration: 0y\n", "duration: expected a positive span"),
        ("duration: five years\n", "duration: expected a span like"),
        ("start: 2016-02-31\n", "start:"),
        ("organization:\n  cell_min: 10\n  cell_max: 8\n", "organization: expected cell_max >= cell_min"),
        ("", "found an empty file"),
        ("- a\n- b\n", "expected a mapping of scenario fields, found list"),
        ("extends: nowhere.yaml\n", "extends: expected an existing scenario file"),
    ],
)
def test_bad_scenario_is_one_line_exit_2(tmp_path, write_yaml, capsys, content, expected):
    path = write_yaml(content)
    out = tmp_path / "out"
    code, err = run_cli(capsys, "run", str(path), "--out", str(out), "--quiet")
    assert code == 2
    assert expected in err
    assert str(path) in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out.exists()


def test_error_names_the_line(write_yaml, capsys):
    path = write_yaml("name: x\nseed: 3\nmembership:\n  youth_league_share: 2\n")
    code, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert "(line 4)" in err and "membership.youth_league_share" in err


def test_error_in_base_names_the_base_file(write_yaml, capsys):
    base = write_yaml("attrition:\n  death_rate: 7\n", "base.yaml")
    variant = write_yaml("extends: base.yaml\nseed: 2\n", "variant.yaml")
    code, err = run_cli(capsys, "validate", str(variant))
    assert code == 2
    assert str(base) in err and "attrition.death_rate" in err


def test_extends_cycle_is_an_error(write_yaml, capsys):
    write_yaml("extends: b.yaml\n", "a.yaml")
    b = write_yaml("extends: a.yaml\n", "b.yaml")
    code, err = run_cli(capsys, "validate", str(b))
    assert code == 2 and "cycles" in err


def test_unreadable_file(tmp_path, capsys):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00junk\x81")
    code, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and "cannot read" in err
    code, err = run_cli(capsys, "validate", str(tmp_path))
    assert code == 2 and "found a directory" in err
    code, err = run_cli(capsys, "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "file not found" in err


def test_bad_set_override_names_the_option(capsys):
    code, err = run_cli(capsys, "validate", str(SCENARIOS / "county.yaml"), "--set", "population.members=-4")
    assert code == 2 and "--set population.members=-4" in err and "population.members" in err
    code, err = run_cli(capsys, "validate", str(SCENARIOS / "county.yaml"), "--set", "population")
    assert code == 2 and "expected path.to.field=value" in err
    code, err = run_cli(capsys, "validate", str(SCENARIOS / "county.yaml"), "--set", "membership.nonsense=1")
    assert code == 2 and "membership.nonsense: unknown field" in err


def test_existing_output_directory_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code, err = run_cli(
        capsys,
        "run",
        str(SCENARIOS / "county.yaml"),
        "--out",
        str(out),
        "--quiet",
        "--set",
        "population.members=50",
        "--set",
        "duration=30d",
        *(arg for override in UNDATED for arg in ("--set", override)),
    )
    assert code == 2 and "--overwrite" in err
    assert (out / "keep.txt").read_text() == "precious"


def test_module_entry_point_exits_2_without_traceback(write_yaml):
    path = write_yaml("population:\n  members: [1, 2]\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "population.members" in proc.stderr


# ---------------------------------------------------------------------------
# Found by fuzzing (tests/test_fuzz_scenarios.py): each once crashed, hung or named no field
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        # Values the schema allowed but the run could not use: a traceback at founding or in a mechanism.
        (
            "membership:\n  applications_per_year: 1.0e+300\n",
            "membership.applications_per_year: expected less than or equal to",
        ),
        # A name of ".." made the default output folder results/../<timestamp>, outside results/.
        ("name: ..\n", "name: expected"),
        (
            "organization:\n  cells_per_primary_mean: 1.0e+300\n",
            "organization.cells_per_primary_mean: expected less than or equal to",
        ),
        (
            "organization:\n  cells_per_locality_mean: 1.0e+300\n",
            "organization.cells_per_locality_mean: expected less than or equal to",
        ),
        (
            "congress:\n  score_weights: {punished: 1.0e+300}\n",
            "congress.score_weights.punished: expected less than or equal to",
        ),
        (
            "congress:\n  selection: {sectors: {service: -1}}\n",
            "congress.selection.sectors.service: expected greater than or equal to 0",
        ),
        # Weights that multiply to infinity ranked delegates by garbage (a numpy overflow warning, no error).
        ("congress:\n  selection: {ties: 1.0e+308}\n", "congress.selection.ties: expected less than or equal to"),
        ("congress:\n  bribe_price: 1.0e+308\n", "congress.bribe_price: expected less than or equal to"),
        (
            "population:\n  sincerity_concentration: 5.0e-324\n",
            "population.sincerity_concentration: expected greater than or equal to",
        ),
        (
            "organization:\n  types: {service: {share: 1.0e+308}}\n",
            "organization.types.service.share: expected less than or equal to",
        ),
        ("population:\n  ties_group_size: .inf\n", "population.ties_group_size: expected a finite number"),
        ("congress:\n  bribe_price: .nan\n", "congress.bribe_price: expected a finite number"),
        ("amnesty:\n  orders: [{date: 2016-06-01, levels: [none]}]\n", "amnesty.orders.0.levels.0: expected 'warning'"),
        # Critique refers members for insincerity: a scenario without that cause crashed mid-run.
        ("discipline:\n  enabled: false\n  causes: {}\n", "discipline.causes: expected a cause named 'insincerity'"),
        # Spans past the year 9999 raised OverflowError, or were blamed on "(top level)".
        ("duration: 99999999999999999999d\n", "duration: expected a span that, counted from the start"),
        ("start: 9999-12-01\nduration: 3m\n", "duration: expected a span that, counted from the start"),
        ("record_every: 99999999y\n", "record_every: expected a span that, counted from the end of the run"),
        ("organization:\n  reorganize_every: 99999999999y\n", "organization.reorganize_every: expected a span"),
    ],
)
def test_values_the_run_cannot_use_are_refused_by_field(write_yaml, capsys, content, expected):
    path = write_yaml(content)
    code, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert expected in err and str(path) in err
    assert len(err.strip().splitlines()) == 1


def billion_laughs(levels: int) -> str:
    """Each alias level refers to the previous one ten times: 10**levels items if expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "content, expected",
    [
        ("population: &p {members: 100, x: *p}\n", "population.x: unknown field"),  # RecursionError
        (billion_laughs(9) + "description: *a8\n", "description: expected a valid string"),  # hung in repr
        (billion_laughs(9) + "extends: *a8\n", "extends: expected a file name"),  # hung in repr
        (
            "description: " + "[" * 600 + "]" * 600 + "\n",
            "invalid YAML: expected a few levels of nesting",
        ),  # RecursionError
    ],
)
def test_self_referring_nested_and_exploding_yaml_is_refused_at_once(write_yaml, capsys, content, expected):
    path = write_yaml(content)
    code, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert expected in err and len(err) < 300
    assert len(err.strip().splitlines()) == 1


def test_a_tiny_probability_runs(tmp_path, write_yaml, capsys):
    """A probability near 1e-245 once saturated numpy's geometric gaps: the row sum wrapped and never ended."""
    path = write_yaml("population: {members: 60}\nduration: 8w\ncritique: {attendance_probability: 3.8e-243}\n")
    code, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, err


# ---------------------------------------------------------------------------
# YAML booleans are not numbers (pydantic's lax mode read `seed: yes` as seed 1)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        ("seed: yes\n", "(line 1): seed: expected a valid integer, found a boolean (true)"),
        (
            "population:\n  sincerity_mean: true\n",
            "(line 2): population.sincerity_mean: expected a valid number, found a boolean (true)",
        ),
        (
            "organization:\n  small_units: [3, no]\n",
            "(line 2): organization.small_units.1: expected a valid integer, found a boolean (false)",
        ),
        (
            "congress:\n  selection: {sectors: {service: on}}\n",
            "(line 2): congress.selection.sectors.service: expected a valid number",
        ),
        (
            "amnesty:\n  orders:\n    - date: 2016-06-01\n      education_effect: off\n",
            "(line 4): amnesty.orders.0.education_effect: expected a valid number, found a boolean (false)",
        ),
    ],
)
def test_a_boolean_where_a_number_is_expected_is_refused(write_yaml, capsys, content, expected):
    path = write_yaml(content)
    code, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert f"{path} {expected}" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_boolean_override_of_a_number_names_the_option(capsys):
    code, err = run_cli(capsys, "validate", str(SCENARIOS / "county.yaml"), "--set", "seed=true")
    assert code == 2 and "--set seed=true: seed: expected a valid integer, found a boolean (true)" in err


def test_booleans_still_switch_boolean_fields(write_yaml, capsys):
    path = write_yaml("membership:\n  enabled: no\norganization:\n  army: yes\n")
    code, err = run_cli(capsys, "validate", str(path))
    assert code == 0, err
