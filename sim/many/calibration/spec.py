"""The calibration spec: base scenario, parameters to fit, targets with their sources, validation targets.

Validated like a sweep spec (unknown fields are errors; one line naming the file,
the line and the field; nothing written)::

    base: ../scenarios/county.yaml        # relative to the spec file
    set: [population.members=1000]        # fixed overrides of every trial
    parameters:                           # the sweep grammar: ranges (log, integer) or lists
      membership.applications_per_member_year: {low: 0.01, high: 0.06}
    targets:
      admitted:
        outcome: summary:totals.admitted
        observed: 120
        source: "Yearly report of the county committee (2021)"
        likelihood: poisson
    replications: 4                       # per trial, the same seeds in every trial
    trials: 60
    sampler: tpe                          # tpe | cmaes | random, seeded by `seed` | proportional
    start:                                # optional warm start: the values of trial 0
      membership.applications_per_member_year: 0.03
    validate:                             # never used in the fit
      base: ../scenarios/other.yaml       # optional; default the fit's base
      targets: {...}

A composition target (``multinomial``, ``dirichlet_multinomial``) names a summary
section as ``outcome`` and gives ``observed`` as a mapping of its keys to counts; a
``binomial`` target gives the simulated ``denominator`` (an outcome) and the
``observed_denominator``. ``scale`` multiplies simulated values of ``poisson`` and
``normal`` targets, for reduced-scale scenarios (a run of 1 % of the members).

``sampler: proportional`` (with ``proportional``, a mapping figure -> parameter, and
``batch: 1``) replaces Optuna's proposals by a multiplicative fixed-point iteration
(:mod:`sim.many.calibration.proportional`) for parameters that each set one figure.

``start`` makes trial 0 a given point (every parameter named, each inside its range),
for a search that continues a coarser one: a refinement at full scale in narrow ranges
around the best of a reduced-scale search starts from that best, so the refinement's
best is never worse, in its own objective, than where it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, model_validator

from sim.many import outcomes as outcome_grammar
from sim.many.calibration.likelihoods import COMPOSITION_LIKELIHOODS
from sim.many.designs import Design, Parameter
from sim.many.sweep import PointSpec, check_parameter_path, located_error, point_scenarios
from sim.scenario.loading import (
    NAME_PATTERN,
    Scenario,
    ScenarioError,
    UserFileModel,
    _Origins,
    _read_yaml,
    format_validation_error,
)

Likelihood = Literal["poisson", "binomial", "normal", "multinomial", "dirichlet_multinomial"]
Sampler = Literal["tpe", "cmaes", "random", "proportional"]


def _expression(text: str | None) -> str | None:
    if text is not None:
        outcome_grammar.parse(text)  # an OutcomeError is a ValueError: reported against the field
    return text


Expression = Annotated[str, AfterValidator(_expression)]


class Target(UserFileModel):
    """One published figure, how the model's runs give it, and how probable it is given them."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, description="Where the observed figure was published (required).")
    likelihood: Likelihood = Field(
        description="poisson or binomial for counts, normal for an estimate with a stated sd, "
        "multinomial or dirichlet_multinomial for a composition."
    )
    outcome: Expression = Field(
        description="Outcome expression (sim.many.outcomes); for a composition, a summary section "
        "(summary:congress.0.by_sector) whose keys are those of `observed`."
    )
    observed: float | dict[str, float] = Field(
        description="The published figure; for a composition, category -> count."
    )
    denominator: Expression | None = Field(None, description="binomial: outcome of the simulated total (n).")
    observed_denominator: float | None = Field(None, gt=0, description="binomial: the published total (n).")
    sd: float | None = Field(None, gt=0, description="normal: the stated standard deviation of the observed figure.")
    scale: float = Field(
        1.0, gt=0, description="poisson, normal: simulated value × scale is compared (reduced-scale scenarios)."
    )
    concentration: float | None = Field(
        None, gt=0, description="dirichlet_multinomial: total concentration α₀ (smaller: more over-dispersion)."
    )

    @model_validator(mode="after")
    def _fields_of_the_likelihood(self) -> Target:
        composition = self.likelihood in COMPOSITION_LIKELIHOODS
        if composition != isinstance(self.observed, dict):
            expected = "a mapping category -> count" if composition else "a number"
            raise ValueError(f"observed: {expected} for a {self.likelihood} likelihood")
        if isinstance(self.observed, dict):  # the same as composition, checked just above
            if not self.outcome.startswith(outcome_grammar.SUMMARY + ":") or len(self.observed) < 2:
                raise ValueError(f"outcome: a summary section with at least two categories for {self.likelihood}")
            for key in self.observed:
                _expression(f"{self.outcome}.{key}")
        needs = {
            "binomial": ("denominator", "observed_denominator"),
            "normal": ("sd",),
            "dirichlet_multinomial": ("concentration",),
        }.get(self.likelihood, ())
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: a value for a {self.likelihood} likelihood")
        for name in ("denominator", "observed_denominator", "sd", "concentration"):
            if name not in needs and getattr(self, name) is not None:
                raise ValueError(f"{name}: no value for a {self.likelihood} likelihood")
        if "scale" in self.model_fields_set and self.likelihood not in ("poisson", "normal"):
            raise ValueError(f"scale: no value for a {self.likelihood} likelihood (it compares shares)")
        return self

    def expressions(self, name: str) -> dict[str, str]:
        """The outcomes a run must give for this target, keyed ``name`` / ``name:of`` / ``name:category``."""
        if isinstance(self.observed, dict):
            return {f"{name}:{key}": f"{self.outcome}.{key}" for key in self.observed}
        found = {name: self.outcome}
        if self.denominator:
            found[f"{name}:of"] = self.denominator
        return found


class ValidationBlock(UserFileModel):
    """Held-out figures: never in the objective, predicted after the fit with fresh seeds."""

    model_config = ConfigDict(extra="forbid")

    base: str | None = Field(None, description="Scenario of the held-out figures (default: the fit's base).")
    set: list[str] = Field(
        default_factory=list, description="Overrides of the validation runs, after the fit's `set` (which applies too)."
    )
    replications: int | None = Field(None, ge=1, le=10_000, description="Runs (default: the fit's replications).")
    targets: dict[str, Target] = Field(min_length=1, description="Name -> held-out target.")


class CalibrationSpec(UserFileModel):
    """A calibration file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(
        "calibration", pattern=NAME_PATTERN, description="Short name; default output results/calibrations/<name>."
    )
    description: str = Field("", description="Free text shown in the report.")
    base: str = Field(description="Scenario every trial starts from (relative to the spec file).")
    set: list[str] = Field(default_factory=list, description="Fixed overrides of every trial (path.to.field=value).")
    parameters: dict[str, Parameter] = Field(
        min_length=1, description="Scenario field (a --set path) -> range {low, high} (log, integer) or list."
    )
    targets: dict[str, Target] = Field(min_length=1, description="Name -> published figure fitted.")
    replications: int = Field(
        4, ge=1, le=10_000, description="Runs per trial; replication r has the same seed in every trial."
    )
    trials: int = Field(50, ge=1, le=1_000_000, description="Trials of the search (--trials overrides).")
    batch: int = Field(
        4,
        ge=1,
        le=1024,
        description="Trials proposed together and then run in parallel; the trials depend on it, not on --workers.",
    )
    sampler: Sampler = Field(
        "tpe",
        description="Optuna sampler: tpe (default), cmaes or random, seeded by `seed`; or proportional "
        "(a multiplicative fixed-point iteration, sim.many.calibration.proportional).",
    )
    seed: int = Field(0, ge=0, description="Root of the replication seeds and of the sampler's seeds.")
    start: dict[str, StrictFloat | StrictInt | str] | None = Field(
        None, description="Parameter values of trial 0 (a warm start): every parameter, each inside its range."
    )
    proportional: dict[str, str] | None = Field(
        None,
        description="sampler proportional: figure (a target, or target:category of a composition) -> the "
        "parameter multiplied by its observed/simulated ratio at each trial.",
    )
    validate_: ValidationBlock | None = Field(None, alias="validate", description="Held-out targets.")


#: Spec fields that may change between a calibration and its --resume (they change no trial).
RESUMABLE_CHANGES = ("name", "description", "trials")


@dataclass
class Calibration:
    """A validated spec with its resolved paths, ready to search."""

    spec: CalibrationSpec
    path: Path
    base_path: Path
    validate_base: Path | None
    origins: _Origins

    @property
    def parameter_names(self) -> list[str]:
        return list(self.spec.parameters)

    def scenario(self, params: dict, validation: bool = False) -> Scenario:
        """The scenario of a trial (or of the validation runs) with these parameter values."""
        table = pd.DataFrame([{name: params[name] for name in self.parameter_names}])
        view: PointSpec
        if validation and self.spec.validate_ is not None:
            block = self.spec.validate_
            view = _SpecView(self.spec.set + block.set, self.spec.parameters)  # reduced scale applies to both
            assert self.validate_base is not None  # load_calibration sets it whenever the spec has a validate block
            base = self.validate_base
        else:
            view, base = self.spec, self.base_path
        return point_scenarios(view, self.path, base, Design("calibration", table), self.origins)[0]

    def resolved(self) -> dict:
        data = self.spec.model_dump(mode="json", exclude_none=True, by_alias=True)
        data["base"] = str(self.base_path)
        if self.validate_base is not None:
            data["validate"]["base"] = str(self.validate_base)
        data["parameters"] = {n: p.model_dump(mode="json", exclude_unset=True) for n, p in self.spec.parameters.items()}
        return data


@dataclass
class _SpecView:
    """What :func:`sim.many.sweep.point_scenarios` reads of a spec: the fixed overrides and the parameters."""

    set: list[str]
    parameters: dict[str, Parameter]


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration spec; check every parameter path and both bases."""
    path = Path(path)
    origins = _Origins()
    data = _read_yaml(path, origins, what="calibration fields")
    try:
        spec = CalibrationSpec.model_validate({"name": path.stem, **data})
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, origins, str(path))) from None
    for name, parameter in spec.parameters.items():
        check_parameter_path(origins, path, name, "a scenario field (never the seed: trials share seeds)")
        if parameter.distribution is not None or parameter.steps is not None:
            raise located_error(
                origins,
                str(path),
                ("parameters", name),
                "a range {low, high} (with log, integer) or a list of values for a calibration",
                data["parameters"][name],
            )
    if spec.start is not None:
        _check_start(spec, path, origins)
    if spec.sampler == "proportional" or spec.proportional is not None:
        _check_proportional(spec, path, origins)
    base_path = _existing(path, spec.base, origins, ("base",))
    validate_base = None
    if spec.validate_ is not None:
        clash = sorted(set(spec.targets) & set(spec.validate_.targets))
        if clash:
            raise located_error(
                origins, str(path), ("validate", "targets", clash[0]), "a name not used by a fit target", clash[0]
            )
        validate_base = (
            _existing(path, spec.validate_.base, origins, ("validate", "base")) if spec.validate_.base else base_path
        )
    calibration = Calibration(spec, path, base_path, validate_base, origins)
    middle = {n: _middle(p) for n, p in spec.parameters.items()}
    for point in [middle] + ([spec.start] if spec.start is not None else []):
        calibration.scenario(point)  # a bad path or value is reported now, at its line, before anything runs
        if spec.validate_ is not None:
            calibration.scenario(point, validation=True)
    return calibration


def _check_start(spec: CalibrationSpec, path: Path, origins: _Origins) -> None:
    """``start`` names every parameter and nothing else, each value inside its range (or one of its values)."""
    assert spec.start is not None
    for name in spec.start:
        if name not in spec.parameters:
            raise located_error(origins, str(path), ("start", name), "one of the parameters", name)
    missing = [name for name in spec.parameters if name not in spec.start]
    if missing:
        raise located_error(
            origins, str(path), ("start",), f"a value for every parameter ({missing[0]} has none)", spec.start
        )
    for name, value in spec.start.items():
        p = spec.parameters[name]
        if p.values is not None:
            inside = value in p.values
        else:
            assert p.low is not None and p.high is not None  # Parameter._consistent: a range has both ends
            inside = not isinstance(value, str) and p.low <= value <= p.high and (not p.integer or value == int(value))
        if not inside:
            wanted = f"one of {p.values}" if p.values is not None else f"a value in [{p.low}, {p.high}]"
            raise located_error(origins, str(path), ("start", name), wanted, value)


def _check_proportional(spec: CalibrationSpec, path: Path, origins: _Origins) -> None:
    """The proportional sampler has a mapping, a start and batch 1; each figure a target (or a category of a
    composition), each parameter a positive range, mapped once."""
    checks = (
        ("proportional", spec.sampler == "proportional", "no mapping without sampler: proportional"),
        ("sampler", spec.proportional is not None, "proportional with a figure -> parameter mapping"),
        ("sampler", spec.start is not None, "proportional with a start (the values of trial 0)"),
        ("batch", spec.batch == 1, "1 for the proportional sampler (each trial follows from the one before)"),
    )
    for field, holds, expected in checks:
        if not holds:
            raise located_error(origins, str(path), (field,), expected, getattr(spec, field))
    assert spec.proportional is not None
    seen: set[str] = set()
    for figure, name in spec.proportional.items():
        target, _, category = figure.partition(":")
        observed = spec.targets[target].observed if target in spec.targets else None
        known = observed is not None and (
            category in observed if isinstance(observed, dict) else not category
        )  # a category exactly for a composition
        if not known:
            raise located_error(
                origins, str(path), ("proportional", figure), "a target, or target:category of a composition", figure
            )
        p = spec.parameters.get(name)
        if p is None or p.values is not None or p.low is None or p.low <= 0 or name in seen:
            raise located_error(
                origins,
                str(path),
                ("proportional", figure),
                "a parameter with a positive range {low, high}, mapped to one figure only",
                name,
            )
        seen.add(name)


def _existing(path: Path, relative: str, origins: _Origins, loc: tuple) -> Path:
    found = (path.parent / relative).resolve()
    if not found.is_file():
        raise located_error(origins, str(path), loc, "an existing scenario file", f"no file at {found}")
    return found


def _middle(parameter: Parameter):
    """A value inside the parameter's range (to check the scenario accepts the path)."""
    return parameter.from_unit(np.array([0.5]))[0]
