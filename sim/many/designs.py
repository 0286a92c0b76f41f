"""Experimental designs: which parameter values a sweep runs, and the sensitivity indices it gives.

Every parameter of a sweep is one of

- a **list** of values (``[0.6, 0.7, 0.8]``, or text values),
- a **range** ``{low, high}``, uniform, with ``log: true`` log-uniform and
  ``integer: true`` whole numbers; a grid needs ``steps``,
- a **distribution** ``{distribution: normal, mean, sd}`` (optionally
  truncated by ``low``/``high``), ``{distribution: lognormal, median, sigma}``
  or ``{distribution: triangular, low, mode, high}``.

Designs other than the grid draw points in the unit hypercube (plain random,
Latin hypercube, or SALib's Sobol'/Morris samplers) and map each coordinate
through the parameter's quantile function. Sensitivity indices are therefore
computed on the unit cube: Sobol' indices do not change under such monotone
maps, and Morris elementary effects are per full range of each parameter, so
they compare across parameters of different units.

The **cases** design is not drawn at all: the user lists named rows
(``cases: [{name: weekly, critique.every_two_days.service: 0.0}, ...]``), one
point each, in order, for the what-ifs chosen one by one rather than crossed.
A field a case does not name keeps the base scenario's value.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

DesignName = Literal["grid", "random", "lhs", "sobol", "morris", "cases"]
#: Designs analysed with SALib, whose points must come from SALib's own samplers.
SENSITIVITY_DESIGNS = ("sobol", "morris")
#: Unbounded distributions are cut at these quantiles so that Morris levels 0 and 1 stay finite.
TAIL = 1e-3

_FIELDS_OF = {
    None: {"low", "high"},
    "normal": {"mean", "sd"},
    "lognormal": {"median", "sigma"},
    "triangular": {"low", "mode", "high"},
}
_OPTIONAL_OF = {
    None: {"steps", "log", "integer"},
    "normal": {"low", "high", "integer"},
    "lognormal": {"integer"},
    "triangular": {"integer"},
}


class Parameter(BaseModel):
    """One swept scenario field: a list of values, a range or a distribution (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    values: list[StrictBool | StrictInt | StrictFloat | str] | None = Field(
        None, min_length=1, description="Values to run, in order."
    )
    low: float | None = Field(None, description="Lower end of a range, truncation or triangle.")
    high: float | None = Field(None, description="Upper end of a range, truncation or triangle.")
    steps: int | None = Field(None, ge=2, le=100_000, description="Grid points over [low, high], ends included.")
    log: bool = Field(False, description="Spread the range evenly on a log scale (low > 0).")
    integer: bool = Field(False, description="Round values to whole numbers (counts of members, days...).")
    distribution: Literal["normal", "lognormal", "triangular"] | None = Field(
        None, description="Sample from this distribution instead of a uniform range."
    )
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    mode: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _list_shorthand(cls, data):
        if isinstance(data, list):
            return {"values": data}
        if not isinstance(data, dict):
            raise ValueError("a list of values, a range {low, high} or a distribution {distribution: normal, ...}")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        given = {name for name in self.model_fields_set if name not in ("values", "distribution")}
        if self.values is not None:
            if given:
                raise ValueError(f"either a list of values or a range, found values with {', '.join(sorted(given))}")
            return self
        needed, optional = _FIELDS_OF[self.distribution], _OPTIONAL_OF[self.distribution]
        kind = f"a {self.distribution} distribution" if self.distribution else "a range"
        if needed - given:
            raise ValueError(f"{kind} with {', '.join(sorted(needed))}, found no {', '.join(sorted(needed - given))}")
        if given - needed - optional:
            raise ValueError(
                f"{kind} with fields {', '.join(sorted(needed | optional))}, found {', '.join(sorted(given - needed - optional))}"
            )
        low, high = self.low if self.low is not None else -math.inf, self.high if self.high is not None else math.inf
        if not low < high:
            raise ValueError(f"low < high, found low={self.low} and high={self.high}")
        if self.log and low <= 0:
            raise ValueError(f"low > 0 for a log range, found low={self.low}")
        if self.mode is not None and not low <= self.mode <= high:
            raise ValueError(f"low <= mode <= high, found mode={self.mode}")
        return self

    @property
    def on_grid(self) -> bool:
        return self.values is not None or (self.distribution is None and self.steps is not None)

    def _field(self, name: str) -> float:
        """A number the parameter's kind requires (``_consistent`` has checked it is given)."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"{name} is not given for this parameter")
        return value

    def grid(self) -> list:
        """The values of a grid design, in order."""
        if self.values is not None:
            return list(self.values)
        if self.log:
            points = np.geomspace(self._field("low"), self._field("high"), int(self._field("steps")))
        else:
            points = np.linspace(self._field("low"), self._field("high"), int(self._field("steps")))
        return list(dict.fromkeys(self._typed(points)))

    def from_unit(self, u: np.ndarray) -> list:
        """Map coordinates in [0, 1] to values: the quantile function of the parameter's law."""
        from scipy import stats  # imported here: a second to import, and grids never need it

        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            index = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in index.tolist()]
        if self.distribution == "normal":
            a = (self.low - self._field("mean")) / self._field("sd") if self.low is not None else -np.inf
            b = (self.high - self._field("mean")) / self._field("sd") if self.high is not None else np.inf
            tail = TAIL if not (np.isfinite(a) and np.isfinite(b)) else 0.0
            points = stats.truncnorm.ppf(
                np.clip(u, tail, 1 - tail), a, b, loc=self._field("mean"), scale=self._field("sd")
            )
        elif self.distribution == "lognormal":
            points = self._field("median") * np.exp(self._field("sigma") * stats.norm.ppf(np.clip(u, TAIL, 1 - TAIL)))
        elif self.distribution == "triangular":
            c = (self._field("mode") - self._field("low")) / (self._field("high") - self._field("low"))
            points = stats.triang.ppf(u, c, loc=self._field("low"), scale=self._field("high") - self._field("low"))
        elif self.integer:  # every whole number in [low, high] equally likely
            first, last = math.ceil(self._field("low")), math.floor(self._field("high"))
            return np.minimum(first + np.floor(u * (last - first + 1)), last).astype(int).tolist()
        elif self.log:
            points = np.exp(np.log(self._field("low")) + u * (np.log(self._field("high")) - np.log(self._field("low"))))
        else:
            points = self._field("low") + u * (self._field("high") - self._field("low"))
        return self._typed(points)

    def _typed(self, points: np.ndarray) -> list:
        if self.integer:
            return np.rint(points).astype(int).tolist()
        return [float(p) for p in points]


@dataclass(frozen=True)
class Design:
    """The points of a sweep: one row per point, one column per parameter (dotted path).

    ``unit`` keeps the unit-cube coordinates SALib needs for the analysis.
    """

    name: str
    table: pd.DataFrame
    unit: np.ndarray | None = None
    labels: tuple[str, ...] | None = None  # the case names of a cases design, one per point


def salib_problem(names: list[str]) -> dict:
    """SALib's problem on the unit cube (see the module docstring for why the unit cube)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def build_design(
    name: str,
    parameters: dict[str, Parameter],
    samples: int | None,
    rng: np.random.Generator,
    levels: int = 4,
    second_order: bool = False,
    cases: list[dict] | None = None,
) -> Design:
    """The points of design ``name``; every random choice comes from ``rng`` (the sweep seed).

    ``cases`` (design ``cases``) are the named rows, ``name`` plus field -> value; a field a
    case leaves out is None in the table (the point keeps the base scenario's value).
    """
    names = list(parameters)
    if name == "cases":
        rows = [[case.get(n) for n in names] for case in cases or []]
        labels = tuple(str(case["name"]) for case in cases or [])
        return Design(name, pd.DataFrame(rows, columns=names, dtype=object), labels=labels)
    if name == "grid":
        grid = list(itertools.product(*(parameters[n].grid() for n in names)))
        return Design(name, pd.DataFrame(grid, columns=names))
    if samples is None:
        raise ValueError(f"the {name} design needs a number of samples")
    salib_seed = int(rng.integers(2**31 - 1))
    if name == "random":
        unit = rng.random((samples, len(names)))
    elif name == "lhs":
        from scipy import stats

        unit = stats.qmc.LatinHypercube(d=len(names), seed=rng).random(samples)
    elif name == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(salib_problem(names), samples, calc_second_order=second_order, seed=salib_seed)
    elif name == "morris":
        from SALib.sample import morris

        unit = morris.sample(salib_problem(names), samples, num_levels=levels, seed=salib_seed)
    else:
        raise ValueError(f"unknown design {name!r}")
    columns = {n: parameters[n].from_unit(unit[:, j]) for j, n in enumerate(names)}
    return Design(name, pd.DataFrame(columns, columns=names), unit)


def sensitivity(
    design: Design, outcome: str, y: np.ndarray, seed: int, levels: int = 4, second_order: bool = False
) -> pd.DataFrame:
    """Sobol' (S1, ST) or Morris (mu, mu_star, sigma) indices of one outcome, with 95% CIs where SALib gives them.

    ``y`` holds one value per point (the mean over replications).
    """
    names = list(design.table.columns)
    problem = salib_problem(names)
    rows = []
    if design.name == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(problem, y, calc_second_order=second_order, conf_level=0.95, seed=seed)
        for index in ("S1", "ST"):
            for j, parameter in enumerate(names):
                value, half = float(found[index][j]), float(found[f"{index}_conf"][j])
                rows.append((outcome, parameter, "sobol", index, value, value - half, value + half))
    elif design.name == "morris":
        from SALib.analyze import morris

        found = morris.analyze(problem, design.unit, y, conf_level=0.95, num_levels=levels, seed=seed)
        for j, parameter in enumerate(names):
            half = float(found["mu_star_conf"][j])
            rows.append(
                (
                    outcome,
                    parameter,
                    "morris",
                    "mu_star",
                    float(found["mu_star"][j]),
                    float(found["mu_star"][j]) - half,
                    float(found["mu_star"][j]) + half,
                )
            )
            for index in ("mu", "sigma"):
                rows.append((outcome, parameter, "morris", index, float(found[index][j]), math.nan, math.nan))
    return pd.DataFrame(rows, columns=["outcome", "parameter", "method", "index", "value", "ci_low", "ci_high"])
