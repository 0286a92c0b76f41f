"""Outcomes: named numbers read off one run, for sweeps and comparisons.

Users ask how "final full members" or "peak punished" depend on parameters,
and the columns of the time series grow with every mechanism added to the
model. So an outcome is not a function in the code but a small expression
over whatever the run produced, checked before a sweep starts:

==============================  =================================================
expression                      value
==============================  =================================================
``final:COLUMN``                last row of a time-series column (a stock at the end)
``initial:COLUMN``              first row (the state on day 0)
``change:COLUMN``               final minus initial
``max:COLUMN`` / ``min:COLUMN`` peak / trough over the run
``sum:COLUMN``                  total of a flow column over the run
``mean:COLUMN``                 mean over the recorded rows
``summary:KEY.KEY...``          a number in ``summary.json`` (e.g. ``summary:totals.admitted``;
                                a number indexes a list: ``summary:congress.0.by_route.ties``)
``summary:KEY.*``               every number directly under ``KEY`` (expanded to one outcome each)
==============================  =================================================

There is no ``eval``: an expression is parsed by a regular expression into an
:class:`Outcome` and evaluated with a table lookup.

The time series is read as named columns: a run's own numpy columns
(:attr:`sim.run.result.Result.columns`) or a DataFrame. A sweep's worker reads
them off the columns it has, without building a DataFrame for three numbers
(0.4 ms a run); the reductions skip missing values as pandas' do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A run's time series: named columns (numpy arrays, or a DataFrame's Series).
Columns = Mapping[str, Any]

#: Reductions of one time-series column (a numpy array) to a number.
REDUCERS: dict[str, Callable[[np.ndarray], float]] = {
    "final": lambda column: column[-1],
    "initial": lambda column: column[0],
    "change": lambda column: column[-1] - column[0],
    "max": np.nanmax,
    "min": np.nanmin,
    "sum": np.nansum,
    "mean": np.nanmean,
}
SUMMARY = "summary"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATTERN = re.compile(
    rf"^(?P<kind>{'|'.join(REDUCERS)}):(?P<column>{_NAME})$"
    rf"|^{SUMMARY}:(?P<path>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)(?P<every>\.\*)?$"
)
GRAMMAR = f"an outcome like final:members_full, one of {', '.join(REDUCERS)} or summary:key.key"


class OutcomeError(ValueError):
    """An outcome expression that is malformed or names something the run does not have."""


@dataclass(frozen=True)
class Outcome:
    """A parsed expression: a reducer over a column, or a path into the summary."""

    kind: str
    target: str
    every: bool = False

    @property
    def expression(self) -> str:
        return f"{self.kind}:{self.target}{'.*' if self.every else ''}"

    def value(self, timeseries: Columns, summary: Mapping) -> float:
        """The outcome of one run; :class:`OutcomeError` when the run lacks the column or key."""
        if self.kind == SUMMARY:
            found = _summary_item(summary, self.target)
            if isinstance(found, bool) or not isinstance(found, (int, float)):
                raise OutcomeError(f"a number at summary key {self.target!r}, found {_kind_of(found)}")
            return float(found)
        if self.target not in timeseries:
            raise OutcomeError(f"a time-series column, found no column {self.target!r}")
        return float(REDUCERS[self.kind](np.asarray(timeseries[self.target])))


def parse(expression: str) -> Outcome:
    """Read an expression (see the module docstring); raise :class:`OutcomeError` with the grammar."""
    match = _PATTERN.match(expression.strip()) if isinstance(expression, str) else None
    if not match:
        raise OutcomeError(f"{GRAMMAR}, found {expression!r}")
    if match["kind"]:
        return Outcome(match["kind"], match["column"])
    return Outcome(SUMMARY, match["path"], every=bool(match["every"]))


def expand(outcomes: Mapping[str, str], timeseries: Columns, summary: Mapping) -> dict[str, Outcome]:
    """Expand ``summary:KEY.*`` against a sample run and check every outcome can be evaluated.

    Raises :class:`OutcomeError` whose ``args[1]`` is the name of the faulty outcome,
    so that the caller can point at its line in the spec.
    """
    expanded: dict[str, Outcome] = {}
    for name, expression in outcomes.items():
        outcome = parse(expression)
        if outcome.every:
            section = _summary_item(summary, outcome.target)
            if not isinstance(section, Mapping):
                raise OutcomeError(f"a summary section at {outcome.target!r}, found {_kind_of(section)}", name)
            for key, value in section.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    leaf = Outcome(SUMMARY, f"{outcome.target}.{key}")
                    expanded[leaf.expression] = leaf
            continue
        try:
            outcome.value(timeseries, summary)
        except OutcomeError as exc:
            raise OutcomeError(str(exc), name) from None
        expanded[name] = outcome
    return expanded


def evaluate(outcomes: Mapping[str, Outcome], timeseries: Columns, summary: Mapping) -> dict[str, float]:
    """Every outcome of one run, by name (NaN for an outcome the run cannot give, e.g. a missing key)."""
    values = {}
    for name, outcome in outcomes.items():
        try:
            values[name] = outcome.value(timeseries, summary)
        except OutcomeError:
            values[name] = math.nan
    return values


def names_of(expressions: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """Outcomes given as a list are named by their expression; a mapping keeps its names."""
    if isinstance(expressions, Mapping):
        return dict(expressions)
    return {expression: expression for expression in expressions}


def _summary_item(summary: Mapping, path: str):
    """The item at a dotted path: keys of sections, positions in lists (each Congress cycle); None if absent."""
    node = summary
    for key in path.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return None
    return node


def _kind_of(value) -> str:
    if value is None:
        return "no such key"
    if isinstance(value, Mapping):
        return f"a section with keys {', '.join(map(str, value))}"
    return f"{type(value).__name__} {value!r}"
