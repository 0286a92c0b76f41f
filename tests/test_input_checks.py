"""Input that used to pass silently: duplicate YAML keys, API seeds and scenarios, a too-deep extends chain.

The Python API validates its arguments as the files are validated and raises
ScenarioError with the command line's message.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.scenario import MAX_EXTENDS_DEPTH, ScenarioError
from tests.many_runs import ATTRITION_ONLY, write_scenario


@pytest.fixture
def scenario_file(tmp_path):
    return write_scenario(tmp_path, ATTRITION_ONLY)


def test_a_duplicate_key_is_an_error_naming_both_lines(tmp_path, capsys):
    path = tmp_path / "twice.yaml"
    path.write_text("name: twice\npopulation:\n  members: 100\nduration: 4w\npopulation:\n  members: 200\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"partysim: error: {path} (line 5): population: expected each key once in a mapping, "
        "found it again (first at line 2)"
    )


def test_a_nested_duplicate_key_names_its_field(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("name: twice\npopulation:\n  members: 100\n  members: 200\n")
    with pytest.raises(ScenarioError, match=r"\(line 4\): population\.members: .* \(first at line 3\)"):
        sim.load_scenario(path)


@pytest.mark.parametrize("seed", [1.5, True, -1, "3", np.float64(2.0)], ids=repr)
def test_the_api_refuses_a_seed_the_files_refuse(scenario_file, seed):
    with pytest.raises(ScenarioError, match="seed: expected a non-negative integer, found"):
        sim.run(sim.load_scenario(scenario_file), seed=seed)


def test_the_api_takes_a_numpy_integer_seed_as_that_seed(scenario_file):
    scenario = sim.load_scenario(scenario_file)
    assert sim.run(scenario, seed=np.int64(3)).summary == sim.run(scenario, seed=3).summary


def test_the_api_loads_a_scenario_given_as_a_path(scenario_file):
    assert sim.run(str(scenario_file), seed=2).summary == sim.run(sim.load_scenario(scenario_file), seed=2).summary


def test_the_api_refuses_what_is_not_a_scenario():
    with pytest.raises(ScenarioError, match="scenario: expected a Scenario or the path of a scenario file, found"):
        sim.run({"name": "dict"})


def test_run_refuses_a_negative_seed_in_one_line(scenario_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(scenario_file), "--seed", "-1"])
    assert exit_info.value.code == 2
    assert "--seed: expected a non-negative integer, found '-1'" in capsys.readouterr().err


def test_an_extends_chain_one_too_deep_blames_the_file_that_extends_too_far(tmp_path, scenario_file):
    previous = scenario_file.name
    for level in range(MAX_EXTENDS_DEPTH):
        path = tmp_path / f"level{level}.yaml"
        path.write_text(f"extends: {previous}\n")
        previous = path.name
    with pytest.raises(ScenarioError) as error:
        sim.load_scenario(path)
    blamed = str(error.value).split(":")[0]
    assert blamed == str((tmp_path / "level0.yaml").resolve())
    assert "extends" in (tmp_path / "level0.yaml").read_text()
