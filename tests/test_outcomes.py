"""Outcome expressions: the grammar, each reducer, summary paths, and checks against a run."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.many.outcomes import OutcomeError, evaluate, expand, names_of, parse

SERIES = pd.DataFrame({"day": [0, 7, 14, 21], "members_full": [10, 12, 9, 11], "admitted": [0, 3, 1, 2]})
SUMMARY = {
    "final": {"members_full": 11, "cells": 2},
    "totals": {"admitted": 6},
    "scenario": "x",
    "nested": {"a": {"b": 2.5}},
    "congress": [{"by_route": {"ties": 4}}, {"by_route": {"ties": 7}}],
}


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("final:members_full", 11),
        ("initial:members_full", 10),
        ("change:members_full", 1),
        ("max:members_full", 12),
        ("min:members_full", 9),
        ("sum:admitted", 6),
        ("mean:admitted", 1.5),
        ("summary:totals.admitted", 6),
        ("summary:nested.a.b", 2.5),
        ("summary:congress.1.by_route.ties", 7),
    ],
)
def test_each_reducer_reads_the_run(expression, expected):
    assert parse(expression).value(SERIES, SUMMARY) == expected


PANDAS_REDUCERS = {
    "final": lambda column: column.iloc[-1],
    "initial": lambda column: column.iloc[0],
    "change": lambda column: column.iloc[-1] - column.iloc[0],
    "max": pd.Series.max,
    "min": pd.Series.min,
    "sum": pd.Series.sum,
    "mean": pd.Series.mean,
}


@pytest.mark.parametrize("reducer", list(PANDAS_REDUCERS))
def test_numpy_columns_give_pandas_values(reducer):
    """A worker reads outcomes off the run's numpy columns: the numbers pandas gives, missing values skipped."""
    frame = SERIES.assign(gaps=[1.5, math.nan, 2.0, 4.0])
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    for column in ("members_full", "admitted", "gaps"):
        outcome = parse(f"{reducer}:{column}")
        expected = float(PANDAS_REDUCERS[reducer](frame[column]))
        assert outcome.value(columns, SUMMARY) == outcome.value(frame, SUMMARY) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "members_full",
        "last:members_full",
        "final:",
        "final:a b",
        "summary:",
        "final:members_full; import os",
        "__import__('os')",
        "summary:totals..x",
        3,
    ],
)
def test_anything_outside_the_grammar_is_rejected_with_the_grammar(bad):
    with pytest.raises(OutcomeError, match="final:members_full"):
        parse(bad)


def test_expression_round_trips():
    for text in ("final:members_full", "summary:totals.admitted", "summary:final.*"):
        assert parse(text).expression == text


def test_expand_lists_every_number_of_a_summary_section_and_names_them():
    expanded = expand({"all final": "summary:final.*", "peak": "max:members_full"}, SERIES, SUMMARY)
    assert list(expanded) == ["summary:final.members_full", "summary:final.cells", "peak"]
    assert evaluate(expanded, SERIES, SUMMARY) == {
        "summary:final.members_full": 11,
        "summary:final.cells": 2,
        "peak": 12,
    }


@pytest.mark.parametrize(
    "expression, says",
    [
        ("final:punished_total", "no column 'punished_total'"),
        ("summary:totals.amnestied", "no such key"),
        ("summary:scenario", "str 'x'"),
        ("summary:final", "a section with keys members_full, cells"),
        ("summary:scenario.*", "a summary section"),
    ],
)
def test_expand_names_the_outcome_a_run_cannot_give(expression, says):
    with pytest.raises(OutcomeError) as error:
        expand({"mine": expression}, SERIES, SUMMARY)
    message, name = error.value.args
    assert name == "mine" and says in message


def test_evaluate_gives_nan_for_what_one_run_lacks():
    values = evaluate({"a": parse("final:nothing"), "b": parse("sum:admitted")}, SERIES, SUMMARY)
    assert math.isnan(values["a"]) and values["b"] == 6


def test_a_list_of_outcomes_is_named_by_its_expressions():
    assert names_of(["final:a", "sum:b"]) == {"final:a": "final:a", "sum:b": "sum:b"}
    assert names_of({"x": "final:a"}) == {"x": "final:a"}
