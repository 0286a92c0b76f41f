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
        ("membership:\n  qualify_probability: 1.5\n", "membership.qualify_probability: expected less than or equal to 1"),
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
    code, err = run_cli(capsys, "run", str(SCENARIOS / "county.yaml"), "--out", str(out), "--quiet",
                        "--set", "population.members=50", "--set", "duration=30d",
                        *(arg for override in UNDATED for arg in ("--set", override)))
    assert code == 2 and "--overwrite" in err
    assert (out / "keep.txt").read_text() == "precious"


def test_module_entry_point_exits_2_without_traceback(write_yaml):
    path = write_yaml("population:\n  members: [1, 2]\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "population.members" in proc.stderr
