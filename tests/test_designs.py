"""Designs: grid order, ranges and distributions, Latin hypercube strata, SALib sizes and indices."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from sim.many.designs import Design, Parameter, build_design, sensitivity


def p(data) -> Parameter:
    return Parameter.model_validate(data)


def test_grid_is_every_combination_first_parameter_slowest():
    design = build_design(
        "grid", {"a": p([1, 2]), "b": p({"low": 0, "high": 1, "steps": 3})}, None, np.random.default_rng(0)
    )
    assert design.table.values.tolist() == [[1, 0.0], [1, 0.5], [1, 1.0], [2, 0.0], [2, 0.5], [2, 1.0]]


def test_log_and_integer_grids():
    assert p({"low": 1, "high": 100, "steps": 3, "log": True}).grid() == pytest.approx([1, 10, 100])
    assert p({"low": 1, "high": 3, "steps": 5, "integer": True}).grid() == [1, 2, 3]  # duplicates dropped


def test_latin_hypercube_puts_one_point_in_every_stratum_of_every_parameter():
    n = 20
    params = {"a": p({"low": 0, "high": 1}), "b": p({"low": 10, "high": 30})}
    table = build_design("lhs", params, n, np.random.default_rng(3)).table
    assert sorted(np.floor(table["a"] * n).astype(int)) == list(range(n))
    assert sorted(np.floor((table["b"] - 10) / 20 * n).astype(int)) == list(range(n))


def test_designs_depend_only_on_the_seed():
    params = {"a": p({"low": 0, "high": 1}), "b": p([1, 2, 3])}
    for name in ("random", "lhs", "sobol", "morris"):
        first = build_design(name, params, 8, np.random.default_rng(np.random.SeedSequence(5))).table
        again = build_design(name, params, 8, np.random.default_rng(np.random.SeedSequence(5))).table
        assert first.equals(again), name


def test_salib_design_sizes():
    params = {name: p({"low": 0, "high": 1}) for name in "abc"}
    assert len(build_design("sobol", params, 16, np.random.default_rng(0)).table) == 16 * (3 + 2)
    assert len(build_design("morris", params, 5, np.random.default_rng(0)).table) == 5 * (3 + 1)


def test_distributions_map_the_unit_interval_through_their_quantiles():
    u = np.array([0.1, 0.5, 0.9])
    assert p({"distribution": "normal", "mean": 2, "sd": 3}).from_unit(u) == pytest.approx(stats.norm.ppf(u, 2, 3))
    truncated = p({"distribution": "normal", "mean": 0, "sd": 1, "low": 0, "high": 1}).from_unit(np.linspace(0, 1, 11))
    assert min(truncated) == pytest.approx(0) and max(truncated) == pytest.approx(1)
    assert p({"distribution": "lognormal", "median": 4, "sigma": 1}).from_unit(np.array([0.5])) == pytest.approx([4])
    assert p({"distribution": "triangular", "low": 0, "mode": 1, "high": 4}).from_unit(
        np.array([0.0, 1.0])
    ) == pytest.approx([0, 4])
    assert p({"low": 2, "high": 4, "integer": True}).from_unit(np.array([0.0, 0.34, 0.99, 1.0])) == [2, 3, 4, 4]
    assert p(["x", "y"]).from_unit(np.array([0.0, 0.49, 0.5, 1.0])) == ["x", "x", "y", "y"]


@pytest.mark.parametrize(
    "data, says",
    [
        ({"low": 1}, "a range with high, low, found no high"),
        ({"low": 2, "high": 1}, "low < high"),
        ({"low": 0, "high": 1, "log": True}, "low > 0"),
        ({"values": [1], "low": 0}, "either a list of values or a range"),
        ({"distribution": "normal", "mean": 0}, "found no sd"),
        ({"distribution": "lognormal", "median": 1, "sigma": 1, "steps": 3}, "found steps"),
        (0.5, "a list of values, a range"),
    ],
)
def test_inconsistent_parameters_say_what_was_expected(data, says):
    with pytest.raises(ValidationError, match=says):
        p(data)


def test_sobol_indices_of_a_function_of_one_parameter():
    """y = x_a: all the variance comes from a, so S1_a = ST_a = 1 and b's indices are 0 (within SALib's CIs)."""
    params = {"a": p({"low": 0, "high": 1}), "b": p({"low": 0, "high": 1})}
    design = build_design("sobol", params, 256, np.random.default_rng(1))
    indices = sensitivity(design, "y", np.asarray(design.table["a"]), seed=1)
    value = indices.set_index(["parameter", "index"])["value"]
    assert value["a", "S1"] == pytest.approx(1, abs=0.05) and value["a", "ST"] == pytest.approx(1, abs=0.05)
    assert value["b", "S1"] == pytest.approx(0, abs=0.05) and value["b", "ST"] == pytest.approx(0, abs=0.05)
    assert (indices["ci_low"] <= indices["value"]).all() and (indices["value"] <= indices["ci_high"]).all()


def test_morris_ranks_the_parameter_that_matters():
    params = {"a": p({"low": 0, "high": 1}), "b": p({"low": 0, "high": 1})}
    design = build_design("morris", params, 10, np.random.default_rng(2))
    y = 5 * design.unit[:, 0] + 0.1 * design.unit[:, 1]
    mu_star = sensitivity(design, "y", y, seed=2).query("index == 'mu_star'").set_index("parameter")["value"]
    assert mu_star["a"] == pytest.approx(5) and mu_star["b"] == pytest.approx(0.1)
    assert isinstance(design, Design)
