"""The Python API: everything the command line does, for notebooks, returning pandas tables.

Each function takes what its command takes — a file path or an object already
in hand — with the command's options as keyword arguments, runs the same code
the command runs (``sim.many.sweep.run_sweep``, ``sim.many.compare.run_comparison``,
``sim.many.discover.run_discovery``, ``sim.report.write_report``), writes the same
directory, and returns a typed result whose tables are the DataFrames of that
directory's Parquet files::

    import sim
    base = sim.Scenario.load("scenarios/county.yaml", ["population.members=1000"])
    weekly = base.with_changes({"critique.every_two_days.service": 0.0})
    result = sim.run(base)                                   # result.timeseries, result.summary
    sweep = sim.sweep("sweeps/critique-frequency.yaml", out="results/sweeps/cf")
    sweep.runs, sweep.summary                                # runs.parquet, summary.parquet
    comparison = sim.compare(base, [weekly], reps=10, precision=0.02, members=True)
    comparison.differences, comparison.members               # comparison.parquet, members.parquet
    found = sim.discover(sweep, outcome="members", below=900)
    found.trajectory, found.stability, found.box
    sim.report(comparison)                                   # -> Path of report.html

Every mistake the command line reports on one line (exit code 2) raises
:class:`PartysimError` here, with the same message (``Scenario.load`` and
``Scenario.with_changes`` raise :class:`ScenarioError`, a kind of it). ``sim.calibrate(spec)``
runs ``partysim calibrate`` and returns its report (``out``, ``best``); its tables are the
directory's parquet files.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from sim.many import compare as comparing
from sim.many import discover as discovering
from sim.many import sweep as sweeping
from sim.many.executors import ExecutorError, make_executor
from sim.many.precision import Precision
from sim.run.resources import MemoryShortage, check_memory
from sim.run.result import OutputError
from sim.scenario import PartysimError, Scenario, ScenarioError, load_scenario

T = TypeVar("T")

#: The exceptions the command line turns into ``partysim: error: <message>`` and exit code 2 that are not
#: already a :class:`PartysimError` (a :class:`ScenarioError` is one).
USER_ERRORS = (OutputError, MemoryShortage, ExecutorError)


def _user_errors(function: Callable[..., T]) -> Callable[..., T]:
    """Raise :class:`PartysimError` with the command line's message for every user mistake."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except USER_ERRORS as exc:
            raise PartysimError(str(exc)) from exc

    return wrapper


def _scenario(scenario: str | Path | Scenario, overrides: Sequence[str] = ()) -> Scenario:
    if isinstance(scenario, Scenario):
        return load_scenario_overrides(scenario, overrides)
    return load_scenario(scenario, list(overrides))


def load_scenario_overrides(scenario: Scenario, overrides: Sequence[str]) -> Scenario:
    """``--set`` texts applied to a scenario object (parsed as the command line parses them)."""
    if not overrides:
        return scenario
    from sim.scenario.loading import parse_override

    changes = {}
    for text in overrides:
        parts, value = parse_override(text)
        changes[".".join(parts)] = value
    return scenario.with_changes(changes)


def _out(out: str | Path | None, *default: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return Path(out) if out else Path("results", *default, stamp)


# ---------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    """A finished sweep: its directory and tables (``runs.parquet``, ``summary.parquet``, ``sensitivity.parquet``)."""

    out: Path
    runs: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: pd.DataFrame | None
    failed: int
    wall_seconds: float

    @classmethod
    def load(cls, out: str | Path) -> SweepResult:
        """The tables of a sweep directory written earlier (by the command line or this API)."""
        out = Path(out)
        sensitivity = out / "sensitivity.parquet"
        runs = pd.read_parquet(out / "runs.parquet")
        return cls(
            out,
            runs,
            pd.read_parquet(out / "summary.parquet"),
            pd.read_parquet(sensitivity) if sensitivity.is_file() else None,
            int((runs.drop_duplicates("run_id")["status"] != "ok").sum()),
            float("nan"),
        )


@_user_errors
def sweep(
    spec: str | Path | sweeping.Sweep,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    ignore_memory_check: bool = False,
) -> SweepResult:
    """``partysim sweep SPEC``: a spec path or a loaded sweep (:func:`sim.many.sweep.load_sweep`)."""
    loaded = spec if isinstance(spec, sweeping.Sweep) else sweeping.load_sweep(spec)
    target = Path(out) if out else Path("results") / "sweeps" / loaded.spec.name
    sweeping.prepare_output(target, overwrite, resume)
    if resume:
        sweeping.check_resumable(loaded, target)
    executor = _executor(
        loaded.scenarios,
        len(loaded.scenarios) * loaded.first_replications,
        workers,
        scheduler,
        dask_local,
        ignore_memory_check,
    )
    try:
        report = sweeping.run_sweep(loaded, target, executor, resume, overwrite, show_progress=progress)
    finally:
        executor.close()
    result = SweepResult.load(target)
    result.wall_seconds = report.wall_seconds
    return result


def _executor(scenarios, runs: int, workers, scheduler, dask_local, ignore_memory_check: bool):
    """The executor of the options, after the memory check the command line does."""
    if not (ignore_memory_check or scheduler):
        from sim.many.executors import default_workers

        check_memory(scenarios, runs_at_once=min(dask_local or workers or default_workers(), runs))
    return make_executor(workers, scheduler, dask_local)


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


@dataclass
class ComparisonResult:
    """A finished comparison: ``differences`` (comparison.parquet) and, with ``members``, members.parquet."""

    out: Path
    differences: pd.DataFrame
    members: pd.DataFrame | None
    metadata: dict

    @classmethod
    def load(cls, out: str | Path) -> ComparisonResult:
        import json

        out = Path(out)
        members = out / "members.parquet"
        return cls(
            out,
            pd.read_parquet(out / "comparison.parquet"),
            pd.read_parquet(members) if members.is_file() else None,
            json.loads((out / "comparison.json").read_text(encoding="utf-8")),
        )


@_user_errors
def compare(
    base: str | Path | Scenario,
    variants: Sequence[str | Path | Scenario],
    reps: int = 10,
    seed: int | None = None,
    outcomes: Sequence[str] | dict[str, str] | None = None,
    overrides: Sequence[str] = (),
    independent: bool = False,
    precision: float | None = None,
    absolute: bool = False,
    max_reps: int = 100,
    members: bool = False,
    out: str | Path | None = None,
    overwrite: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    ignore_memory_check: bool = False,
) -> ComparisonResult:
    """``partysim compare BASE VARIANT...``: files or scenario objects (variants labelled by their names)."""
    arms = _arms(base, variants, overrides)
    expressions = comparing.parse_outcome_options(
        [f"{name}={expression}" for name, expression in outcomes.items()]
        if isinstance(outcomes, dict)
        else list(outcomes or [])
    )
    if precision is not None and not precision > 0:
        raise ScenarioError(f"--precision: expected a half-width above 0, found {precision}")
    rule = Precision(precision, absolute, max_reps) if precision is not None else None
    target = _out(out, "compare", arms[0].scenario.name)
    comparing.prepare_output(target, overwrite)
    scenarios = [arm.scenario for arm in arms]
    executor = _executor(scenarios, len(arms) * reps, workers, scheduler, dask_local, ignore_memory_check)
    try:
        comparing.run_comparison(
            arms,
            reps,
            arms[0].scenario.seed if seed is None else seed,
            target,
            executor,
            expressions,
            independent,
            overwrite,
            show_progress=progress,
            precision=rule,
            members=members,
        )
    finally:
        executor.close()
    return ComparisonResult.load(target)


def _arms(base, variants, overrides: Sequence[str]) -> list[comparing.Arm]:
    """As :func:`sim.many.compare.load_arms`, for paths and scenario objects alike."""
    if all(not isinstance(s, Scenario) for s in (base, *variants)):
        return comparing.load_arms(str(base), [str(v) for v in variants], list(overrides))
    return comparing.labelled_arms(
        (_path(base), _scenario(base, overrides)),
        [(_path(variant), _scenario(variant, overrides)) for variant in variants],
    )


def _path(scenario) -> Path:
    return Path(f"<{scenario.name}>") if isinstance(scenario, Scenario) else Path(scenario)


# ---------------------------------------------------------------------------
# Discovery and reports
# ---------------------------------------------------------------------------


@dataclass
class DiscoveryResult:
    """PRIM's answer: the peeling ``trajectory``, the chosen ``box`` and the bootstrap ``stability`` of its limits."""

    out: Path
    trajectory: pd.DataFrame
    stability: pd.DataFrame
    box: dict[str, tuple[float, float]]
    answer: str


@_user_errors
def discover(
    sweep_dir: str | Path | SweepResult,
    outcome: str,
    below: float | None = None,
    above: float | None = None,
    top: float | None = None,
    alpha: float = discovering.ALPHA,
    mass_min: float = discovering.MASS_MIN,
    min_coverage: float = discovering.MIN_COVERAGE,
    bootstrap: int = discovering.BOOTSTRAP,
    seed: int = 0,
    out: str | Path | None = None,
) -> DiscoveryResult:
    """``partysim discover SWEEP_DIR --outcome NAME (--below X | --above X | --top Q)``."""
    directory = sweep_dir.out if isinstance(sweep_dir, SweepResult) else sweep_dir
    found, target = discovering.run_discovery(
        directory, outcome, below, above, top, alpha, mass_min, min_coverage, bootstrap, seed, out
    )
    return DiscoveryResult(target, found.trajectory, found.stability, found.box, discovering.answer(found))


@_user_errors
def calibrate(
    spec: str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    trials: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    write_report: bool = True,
):
    """``partysim calibrate SPEC``: the same search, outputs and report (the result's ``out`` is the directory)."""
    from sim.many.calibrate import calibrate as run
    from sim.report import write_report as report_writer

    return run(
        spec,
        out,
        workers=workers,
        scheduler=scheduler,
        dask_local=dask_local,
        trials=trials,
        resume=resume,
        overwrite=overwrite,
        report=report_writer if write_report else None,
    )


@_user_errors
def report(result: str | Path | Any, out: str | Path | None = None) -> Path:
    """``partysim report DIR``: a directory, or a result of this API (its ``out``); returns the page's path."""
    from sim.report import write_report

    return write_report(getattr(result, "out", result), out)
