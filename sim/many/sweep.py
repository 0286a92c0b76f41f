"""Parameter sweeps: a spec file, its design, every (point, replication) run, and tidy tables.

A sweep spec is YAML, validated like a scenario (unknown fields are errors;
an error names the file, the field path, the line, what was expected and
what was found, and nothing is written)::

    base: ../scenarios/county.yaml       # relative to the spec file
    set: [population.members=1000]       # fixed overrides for every run
    design: lhs                          # grid | random | lhs | sobol | morris
    samples: 16                          # points (random, lhs); N (sobol); trajectories (morris)
    replications: 3
    seed: 7
    parameters:
      membership.qualify_probability: {low: 0.6, high: 0.95}
      attrition.death_rate: [0.006, 0.008, 0.012]
    outcomes:
      members: final:members_full
      peak_punished: max:punished_total

``replications: {precision: 0.02, max: 50}`` runs each point in batches until
every outcome's mean is that precise (:mod:`sim.many.precision`), and
``design: cases`` runs named rows (:mod:`sim.many.designs`).

Each run's seed is ``SeedSequence(seed)`` spawned at (point, replication), its
directory is ``<out>/runs/<run_id>/`` written atomically, and the tables
(``runs.parquet``, ``summary.parquet``, ``sensitivity.parquet``) are built
from records sorted by run, so they are identical whatever the executor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Protocol, cast

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from sim.many import outcomes as outcome_grammar
from sim.many.designs import SENSITIVITY_DESIGNS, Design, DesignName, Parameter, build_design, sensitivity
from sim.many.executors import add_executor_args, check_local_memory, with_executor
from sim.many.intervals import mean_interval
from sim.many.outcomes import OutcomeError
from sim.many.precision import Precision
from sim.many.runs import (
    FAILED,
    OK,
    RunProgress,
    RunRecord,
    RunTask,
    add_output_args,
    changed_inputs,
    check_kind,
    failure,
    output_directory,
    package_version,
    prepare_output,
    print_counts,
    probe,
    record_of,
    remove_staging,
    run_seed,
    save,
    split_finished,
    write_json_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from sim.run.result import OutputError, _versions
from sim.run.rundir import check_writable
from sim.scenario.loading import (
    NAME_PATTERN,
    FieldPathError,
    Scenario,
    ScenarioError,
    UserFileModel,
    _load_chain,
    _Origins,
    _read_yaml,
    apply_overrides,
    field_path,
    file_digests,
    format_validation_error,
    scenario_files,
    scenario_from_dict,
    set_field,
)

#: Columns of runs.parquet that a parameter's dotted path must not shadow.
RUN_COLUMNS = ("run_id", "point", "replication", "seed", "status", "error", "outcome", "value")
#: Spec fields that may change between a sweep and its ``--resume`` (they do not change any run).
RESUMABLE_CHANGES = ("name", "description", "outcomes")


def _expression(text: str) -> str:
    outcome_grammar.parse(text)  # OutcomeError is a ValueError: pydantic reports it against the outcome
    return text


class ReplicationsToPrecision(BaseModel):
    """``replications: {precision: 0.02, max: 50}``: runs per point until each outcome's mean is that precise."""

    model_config = ConfigDict(extra="forbid")

    precision: float = Field(
        gt=0, description="Target 95% CI half-width of each point's mean, as a share of |mean| (or absolute)."
    )
    absolute: bool = Field(False, description="`precision` is in the outcome's units, not a share of |mean|.")
    start: int = Field(3, ge=2, le=100_000, description="Runs per point in the first batch.")
    max: int = Field(ge=2, le=100_000, description="Most runs per point.")

    @model_validator(mode="after")
    def _start_below_max(self) -> ReplicationsToPrecision:
        if self.start > self.max:
            raise ValueError(f"start <= max, found start={self.start} and max={self.max}")
        return self

    def rule(self) -> Precision:
        return Precision(self.precision, self.absolute, self.max)


class SweepSpec(UserFileModel):  # like a scenario, `replications: yes` is an error, not 1
    """A sweep file: the base scenario, the parameters to vary, the design, replications and outcomes."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "sweep", pattern=NAME_PATTERN, description="Short name; the default output is results/sweeps/<name>."
    )
    description: str = Field("", description="Free text shown in reports.")
    base: str = Field(description="Scenario file every run starts from (relative to the spec file).")
    set: list[str] = Field(
        default_factory=list, description="Fixed overrides for every run, as with --set (path.to.field=value)."
    )
    design: DesignName = Field(
        "grid",
        description="grid: every combination; random; lhs: Latin hypercube; sobol, morris: SALib sensitivity designs; "
        "cases: the named rows of `cases`, one point each.",
    )
    samples: int | None = Field(
        None,
        ge=1,
        le=10_000_000,
        validate_default=True,
        description="Points for random and lhs; base sample N (a power of 2) for sobol; trajectories for morris.",
    )
    levels: int = Field(4, ge=2, le=100, description="Morris grid levels.")
    second_order: bool = Field(False, description="Sobol: also sample for second-order indices (more runs).")
    replications: int | ReplicationsToPrecision = Field(
        1,
        description="Runs per point, each with its own seed; or {precision, max} to add runs to each point in "
        "batches until every outcome's 95% CI half-width is at most `precision` (see sim.many.precision).",
    )

    @field_validator("replications", mode="before")
    @classmethod
    def _whole_replications(cls, value):
        if isinstance(value, dict):  # validated here so that its errors name its fields, not the union's int
            try:
                return ReplicationsToPrecision.model_validate(value)
            except ValidationError as exc:
                error = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in error["loc"])
                message = error["msg"].removeprefix("Value error, ")
                raise ValueError(f"{where}: {message}" if where else message) from None
        if isinstance(value, bool):  # YAML's yes/no: a typo, not one run (as for a scenario's numbers)
            raise ValueError(f"a valid integer, found a boolean ({str(value).lower()})")
        if isinstance(value, int):
            if value < 1:
                raise ValueError("greater than or equal to 1")
            if value > 100_000:
                raise ValueError("less than or equal to 100000")
        return value

    seed: int = Field(0, ge=0, description="Root of every run's seed (numpy SeedSequence).")
    common_random_numbers: bool = Field(
        False,
        description="Replication r of every point uses the same seed, so differences between points are "
        "not blurred by run-to-run noise (sharper sensitivity indices with few replications).",
    )
    cases: list[dict[str, StrictBool | StrictInt | StrictFloat | str]] | None = Field(
        None,
        min_length=1,
        description="Design cases: named rows, each a `name` and scenario fields (paths as with --set) -> values; "
        "a field a case leaves out keeps the base scenario's value.",
    )
    parameters: dict[str, Parameter] = Field(
        min_length=1,
        description="Scenario field, a path as with --set (a number indexes a list: "
        "amnesty.orders.0.education_effect) -> list of values, range or distribution. "
        "Not written for design cases: the fields the cases name.",
    )
    outcomes: dict[str, Annotated[str, AfterValidator(_expression)]] = Field(
        min_length=1,
        description="Name -> outcome expression (see sim.many.outcomes); a list names each by its expression.",
    )

    @model_validator(mode="before")
    @classmethod
    def _parameters_of_cases(cls, data):
        """A cases design's parameters are the fields its rows name, each with the values they give it."""
        if not isinstance(data, dict) or data.get("design") != "cases":
            return data
        cases = data.get("cases")
        if "parameters" in data:
            raise ValueError("parameters: no parameters for design cases (the cases name their fields)")
        if not isinstance(cases, list) or not cases:
            raise ValueError("cases: a list of named rows for design cases, e.g. [{name: weekly, path.to.field: 1}]")
        parameters: dict[str, list] = {}
        for index, case in enumerate(cases):
            if not isinstance(case, dict) or not isinstance(case.get("name"), str):
                raise ValueError(f"cases.{index}: a row with a name, e.g. {{name: weekly, path.to.field: 1}}")
            for name, value in case.items():
                if name != "name" and value not in parameters.setdefault(name, []):
                    parameters[name].append(value)
        names = [case["name"] for case in cases]
        if len(set(names)) < len(names):
            raise ValueError(f"cases: rows with different names, found {names}")
        if not parameters:
            raise ValueError("cases: at least one scenario field in a row (each row is `name` plus fields)")
        return {**data, "parameters": parameters}

    @field_validator("outcomes", mode="before")
    @classmethod
    def _list_of_expressions(cls, value):
        return outcome_grammar.names_of(value) if isinstance(value, list) else value

    @field_validator("samples")
    @classmethod
    def _samples_fit_design(cls, samples: int | None, info):
        design = info.data.get("design")
        if design in ("grid", "cases") and samples is not None:
            raise ValueError(f"no samples for a {design} design (its points are given, not drawn)")
        if design in ("random", "lhs", "sobol", "morris") and samples is None:
            raise ValueError(f"a number of samples for design {design} (see the field's description)")
        if design == "sobol" and samples is not None and samples & (samples - 1):
            raise ValueError(f"a power of 2 for a sobol design (e.g. {1 << samples.bit_length()})")
        return samples


@dataclass
class Sweep:
    """A validated spec with its design and the scenario of every point, ready to run."""

    spec: SweepSpec
    path: Path
    base_path: Path
    design: Design
    scenarios: list[Scenario]
    origins: _Origins

    @property
    def parameter_names(self) -> list[str]:
        return list(self.spec.parameters)

    @property
    def precision(self) -> Precision | None:
        """The rule of ``replications: {precision, max}``, None for a fixed count."""
        reps = self.spec.replications
        return reps.rule() if isinstance(reps, ReplicationsToPrecision) else None

    @property
    def first_replications(self) -> int:
        reps = self.spec.replications
        return reps.start if isinstance(reps, ReplicationsToPrecision) else reps

    @property
    def max_replications(self) -> int:
        reps = self.spec.replications
        return reps.max if isinstance(reps, ReplicationsToPrecision) else reps

    def resolved(self) -> dict:
        """The spec as written to spec.yaml: every default filled in, the base as an absolute path."""
        data = self.spec.model_dump(mode="json", exclude_none=True)
        data["base"] = str(self.base_path)
        data["parameters"] = {
            name: p.model_dump(mode="json", exclude_unset=True) for name, p in self.spec.parameters.items()
        }
        return data

    def tasks(self, out: Path, outcomes: dict, reps: list[int] | None = None) -> list[RunTask]:
        """Every (point, replication) run, point-major; seeds keyed by position, never by schedule.

        ``reps`` is the number of runs of each point (default: the first batch's, the same for all).
        """
        points = len(self.scenarios)
        reps = reps or [self.first_replications] * points
        width_p, width_r = max(3, len(str(points - 1))), max(2, len(str(self.max_replications - 1)))
        tasks = []
        for point, scenario in enumerate(self.scenarios):
            for rep in range(reps[point]):
                run_id = f"p{point:0{width_p}d}-r{rep:0{width_r}d}"
                key = (rep,) if self.spec.common_random_numbers else (point, rep)
                tasks.append(
                    RunTask(
                        run_id,
                        str(out.resolve() / "runs" / run_id),
                        scenario,
                        run_seed(self.spec.seed, *key),
                        outcomes,
                        {"sweep": self.spec.name, "point": point, "replication": rep},
                    )
                )
        return tasks


def located_error(origins: _Origins, source: str, loc: tuple, expected: str, found) -> ScenarioError:
    """A ScenarioError worded exactly like a scenario validation error, for checks pydantic cannot place."""
    detail = InitErrorDetails(type="value_error", loc=loc, input=found, ctx={"error": ValueError(expected)})
    return ScenarioError(
        format_validation_error(ValidationError.from_exception_data("SweepSpec", [detail]), origins, source)
    )


def check_parameter_path(origins: _Origins, path: Path, name: str, expected: str) -> None:
    """A parameter of a sweep or calibration spec names a scenario field (``--set``'s grammar), never a run column."""
    try:
        field_path(name)
    except ValueError as exc:
        raise located_error(origins, str(path), ("parameters", name), str(exc), name) from None
    if name in RUN_COLUMNS:
        raise located_error(origins, str(path), ("parameters", name), expected, name)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a spec, build its design and validate every point's scenario."""
    path = Path(path)
    origins = _Origins()
    data = _read_yaml(path, origins, what="sweep fields")
    if "base" not in data and ({"extends", "population", "duration", "start"} & set(data)):
        raise ScenarioError(
            f"{path}: expected a sweep spec, found a scenario file (no base:); run it with: partysim run {path}, "
            f"or sweep it from a spec that says base: {path.name}"
        )
    try:
        spec = SweepSpec.model_validate({"name": path.stem, **data})
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, origins, str(path))) from None
    for name, parameter in spec.parameters.items():
        check_parameter_path(origins, path, name, "a scenario field (the sweep itself sets each run's seed)")
        if spec.design == "grid" and not parameter.on_grid:
            raise located_error(
                origins,
                str(path),
                ("parameters", name),
                "a list of values or a range with steps for a grid design",
                data["parameters"][name],
            )
    base_path = (path.parent / spec.base).resolve()
    if not base_path.is_file():
        raise located_error(origins, str(path), ("base",), "an existing scenario file", f"no file at {base_path}")
    design = build_design(
        spec.design,
        spec.parameters,
        spec.samples,
        np.random.default_rng(np.random.SeedSequence(spec.seed)),
        spec.levels,
        spec.second_order,
        spec.cases,
    )
    scenarios = point_scenarios(spec, path, base_path, design, origins)
    return Sweep(spec, path, base_path, design, scenarios, origins)


class PointSpec(Protocol):
    """What :func:`point_scenarios` reads of a spec (a sweep's, a calibration's): the fixed overrides, the parameters."""

    @property
    def set(self) -> list[str]: ...

    @property
    def parameters(self) -> dict[str, Parameter]: ...


def point_scenarios(
    spec: PointSpec, path: Path, base_path: Path, design: Design, spec_origins: _Origins
) -> list[Scenario]:
    """The scenario of every point; a value the scenario rejects is reported at its line in the spec.

    A parameter is set by the same path grammar as ``--set`` (:func:`sim.scenario.set_field`),
    so a list item is addressed by its index; an index the base scenario does not have, or a
    path through a value that is not a section, is an error at the parameter's line.
    """
    origins = _Origins()
    base = _load_chain(base_path, origins, ())
    base = apply_overrides(
        base, spec.set, origins, [spec_origins.locate(("set", i), str(path)) for i in range(len(spec.set))]
    )
    scenarios = []
    for row in design.table.itertuples(index=False):
        data = base
        for name, value in zip(design.table.columns, row):
            value = value.item() if isinstance(value, np.generic) else value
            if value is None:  # a case that leaves the field out keeps the base scenario's value
                continue
            try:
                data, keys = set_field(data, field_path(name), value)
            except FieldPathError as exc:
                raise located_error(
                    spec_origins,
                    str(path),
                    ("parameters", name),
                    f"a field of the base scenario, with {exc.at}: {exc.expected}, found {exc.found}",
                    name,
                ) from None
            origins.claim(keys, spec_origins.locate(("parameters", name), str(path)))
            origins.where[keys] = spec_origins.locate(_spec_place(spec, name, value), str(path))
        scenarios.append(scenario_from_dict(data, origins, str(path)))
    return scenarios


def _spec_place(spec: PointSpec, name: str, value) -> tuple:
    """Where a point's value is written in the spec: its item in a list of values, else the parameter."""
    values = spec.parameters[name].values
    return ("parameters", name, values.index(value)) if values is not None and value in values else ("parameters", name)


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def sweep_inputs(sweep: Sweep) -> dict[str, str]:
    """Digests of what a sweep's runs depend on besides its spec: every scenario of the base's chain, the package.

    The spec itself is compared field by field (:func:`check_resumable`), since its outcomes,
    name and description may change on a resume; its digest is recorded as ``spec_digest``.
    """
    return {**file_digests(scenario_files(sweep.base_path)), "partysim": package_version()}


def check_resumable(sweep: Sweep, out: Path, accept_changes: bool = False) -> list[str]:
    """A resumed sweep must be the same sweep: same spec fields that change runs, same input files, same package.

    Returns what changed when ``accept_changes`` lets it carry on (recorded in sweep.json).
    """
    changed = []
    stored = out / "spec.yaml"
    if stored.is_file():
        before = yaml.safe_load(stored.read_text(encoding="utf-8")) or {}
        now = sweep.resolved()
        changed = sorted(
            key for key in set(before) | set(now) if key not in RESUMABLE_CHANGES and before.get(key) != now.get(key)
        )
    changed += changed_inputs(out / "sweep.json", sweep_inputs(sweep))
    if changed and not accept_changes:
        raise OutputError(
            f"{out}: --resume: expected the inputs the sweep started with, found {', '.join(changed)} changed "
            f"(start a new sweep with another --out, or add --accept-changes to mix them)"
        )
    return changed


@dataclass
class SweepReport:
    """What a finished (or partly failed) sweep did."""

    out: Path
    records: list[RunRecord]
    wall_seconds: float

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status == FAILED]


def run_sweep(
    sweep: Sweep,
    out: Path,
    executor,
    resume: bool = False,
    overwrite: bool = False,
    show_progress: bool = True,
    accept_changes: bool = False,
) -> SweepReport:
    """Run every unfinished run of the sweep and write its tables (see the module docstring).

    The output directory is owned for the whole sweep (:func:`sim.many.runs.output_directory`):
    one writer at a time, checked before any run, an --overwrite swapped in only once complete.
    """
    started = time.perf_counter()
    with output_directory(out, "sweep", overwrite, resume) as work:
        changes = check_resumable(sweep, out, accept_changes) if resume else []
        try:
            outcomes, first_result = probe(sweep.spec.outcomes, sweep.tasks(work, {})[0])
        except OutcomeError as exc:
            message, name = exc.args
            raise located_error(
                sweep.origins, str(sweep.path), ("outcomes", name), message, sweep.spec.outcomes[name]
            ) from None
        (work / "runs").mkdir(parents=True, exist_ok=True)
        remove_staging(work / "runs")
        write_text_atomic(work / "spec.yaml", yaml.safe_dump(sweep.resolved(), sort_keys=False))
        tasks = sweep.tasks(work, outcomes)
        metadata = partial(sweep_metadata, sweep, work, outcomes, executor, accepted=changes)
        write_json_atomic(work / "sweep.json", metadata([], "running"))
        records: list[RunRecord] = []
        if first_result is not None:
            save(tasks[0], first_result)
            records.append(record_of(tasks[0], first_result))
        while True:  # one pass for a fixed count; batches until precise enough with replications: {precision, max}
            have = {r.run_id for r in records}
            done, todo = split_finished(t for t in tasks if t.run_id not in have)
            records += done
            with RunProgress(len(tasks), already=len(tasks) - len(todo), show=show_progress) as progress:
                for record in executor.run(todo):
                    progress.advance(record)
                    records.append(record)
            more = next_replications(sweep, tasks, records, outcomes)
            if more is None:
                break
            tasks = sweep.tasks(work, outcomes, more)  # replication r keeps its seed: batches continue the sequence
        report = SweepReport(out, records, time.perf_counter() - started)
        warnings = write_tables(sweep, work, tasks, records, outcomes)
        write_json_atomic(
            work / "sweep.json", {**metadata(records, "complete", report.wall_seconds), "warnings": warnings}
        )
    return report


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def runs_table(sweep: Sweep, tasks: list[RunTask], records: list[RunRecord], outcomes: dict) -> pd.DataFrame:
    """One row per run and outcome, in design order, with every parameter value (tidy)."""
    by_id = {record.run_id: record for record in records}
    names = sweep.parameter_names
    values = sweep.design.table
    rows = []
    for task in tasks:
        record = by_id.get(task.run_id) or failure(task, RuntimeError("no record of this run"))
        point = task.labels["point"]
        fixed = [
            task.run_id,
            point,
            task.labels["replication"],
            task.seed,
            record.status,
            record.error,
            *(values.iloc[point][name] for name in names),
        ]
        for outcome in outcomes:
            rows.append((*fixed, outcome, float(record.values.get(outcome, np.nan))))
    frame = pd.DataFrame(
        rows, columns=["run_id", "point", "replication", "seed", "status", "error", *names, "outcome", "value"]
    )
    return frame.astype({"point": "int64", "replication": "int64", "seed": "int64", "value": "float64"})


def summary_table(runs: pd.DataFrame, parameter_names: list[str]) -> pd.DataFrame:
    """Per point and outcome: n successful runs, mean, sd and the 95% t interval of the mean."""
    rows = []
    ok = runs["status"] == OK
    for (point, outcome), group in runs.groupby(["point", "outcome"], sort=False):
        interval = mean_interval(group.loc[ok.loc[group.index], "value"])
        rows.append(
            (
                point,
                *group[parameter_names].iloc[0],
                outcome,
                interval.n,
                interval.mean,
                interval.sd,
                interval.low,
                interval.high,
            )
        )
    return pd.DataFrame(rows, columns=["point", *parameter_names, "outcome", "n", "mean", "sd", "ci_low", "ci_high"])


def sensitivity_table(sweep: Sweep, summary: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """SALib indices per outcome from the per-point means; outcomes with a point without value are skipped."""
    frames, skipped = [], {}
    for outcome, group in summary.groupby("outcome", sort=False):
        y = group.sort_values("point")["mean"].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            skipped[outcome] = f"{int((~np.isfinite(y)).sum())} points without a value (failed runs or missing outcome)"
            continue
        frames.append(
            sensitivity(
                sweep.design,
                outcome,
                y,
                seed=sweep.spec.seed,
                levels=sweep.spec.levels,
                second_order=sweep.spec.second_order,
            )
        )
    columns = ["outcome", "parameter", "method", "index", "value", "ci_low", "ci_high"]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)), skipped


def next_replications(sweep: Sweep, tasks: list[RunTask], records: list[RunRecord], outcomes: dict) -> list[int] | None:
    """Runs per point after the next batch (each point on its own), None when every point is precise or capped."""
    rule = sweep.precision
    if rule is None:
        return None
    summary = summary_table(runs_table(sweep, tasks, records, outcomes), sweep.parameter_names)
    reps = [0] * len(sweep.scenarios)
    for task in tasks:
        reps[cast(int, task.labels["point"])] += 1  # the sweep labels each task with its point's index
    more = [rule.next_replications(summary[summary["point"] == point], "mean", n) for point, n in enumerate(reps)]
    return None if all(m is None for m in more) else [n if m is None else m for n, m in zip(reps, more)]


#: Smallest Sobol' base sample N whose indices are worth reading. Saltelli et al. (2010), "Variance based
#: sensitivity analysis of model output", Comput. Phys. Commun. 181: N in the hundreds to thousands; with
#: less, the estimators' variance lets S1 leave [0, 1] (S1 = 2 from N = 8 was seen). An assumption of this code.
MIN_SOBOL_SAMPLES = 512


def reliability_warnings(sweep: Sweep, indices: pd.DataFrame | None) -> list[str]:
    """What a reader must know before trusting the intervals and indices of this sweep (said, never hidden)."""
    spec, warnings = sweep.spec, []
    if sweep.max_replications == 2:
        warnings.append(
            "each point's 95% interval comes from 2 replications (t with 1 degree of freedom: 12.7 standard "
            "errors each side), so the intervals are very wide; use more replications to narrow them"
        )
    if spec.design == "sobol" and spec.samples is not None and spec.samples < MIN_SOBOL_SAMPLES:
        warnings.append(
            f"Sobol' indices from N = {spec.samples} base samples are unreliable (an index can fall outside "
            f"0..1); N of at least {MIN_SOBOL_SAMPLES} is usual"
        )
    if indices is not None and len(indices) and {"ci_low", "ci_high"} <= set(indices):
        finite = indices.dropna(subset=["ci_low", "ci_high"])
        straddle = int(((finite["ci_low"] <= 0) & (finite["ci_high"] >= 0)).sum())
        if straddle:
            warnings.append(
                f"{straddle} of {len(finite)} sensitivity indices have a 95% interval that includes 0: "
                "those are not distinguishable from no effect"
            )
    return warnings


def write_tables(sweep: Sweep, out: Path, tasks: list[RunTask], records: list[RunRecord], outcomes: dict) -> list[str]:
    """Write runs, summary (and sensitivity) tables; returns the reliability warnings, also printed on stderr."""
    runs = runs_table(sweep, tasks, records, outcomes)
    summary = summary_table(runs, sweep.parameter_names)
    if sweep.precision:
        summary = sweep.precision.annotate(summary, "mean")
    write_parquet_atomic(runs, out / "runs.parquet")
    write_parquet_atomic(summary, out / "summary.parquet")
    indices = None
    if sweep.spec.design in SENSITIVITY_DESIGNS:
        indices, skipped = sensitivity_table(sweep, summary)
        write_parquet_atomic(indices, out / "sensitivity.parquet")
        if skipped:
            print(
                f"partysim: sensitivity skipped for {', '.join(f'{k} ({v})' for k, v in skipped.items())}",
                file=sys.stderr,
            )
    warnings = reliability_warnings(sweep, indices)
    for warning in warnings:
        print(f"partysim: warning: {warning}", file=sys.stderr)
    return warnings


def sweep_metadata(
    sweep: Sweep,
    out: Path,
    outcomes: dict,
    executor,
    records: list[RunRecord],
    status: str,
    wall_seconds: float | None = None,
    accepted: list[str] | None = None,
) -> dict:
    spec = sweep.spec
    failed = sum(r.status == FAILED for r in records)
    return {
        "kind": "sweep",
        "name": spec.name,
        "description": spec.description,
        "spec": str(sweep.path),
        "base": str(sweep.base_path),
        "design": spec.design,
        "samples": spec.samples,
        "cases": list(sweep.design.labels) if sweep.design.labels else None,
        "parameters": sweep.parameter_names,
        "parameter_specs": sweep.resolved()["parameters"],
        "outcomes": {name: outcome.expression for name, outcome in outcomes.items()},
        "replications": spec.model_dump(mode="json")["replications"],
        "seed": spec.seed,
        "points": len(sweep.scenarios),
        "runs": len(records) if status == "complete" else len(sweep.scenarios) * sweep.first_replications,
        "counts": {"done": len(records) - failed, "failed": failed, "resumed": sum(r.resumed for r in records)},
        "status": status,
        "executor": executor.description,
        "wall_seconds": None if wall_seconds is None else round(wall_seconds, 3),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": sys.argv,
        "versions": _versions(),
        "inputs": sweep_inputs(sweep),
        "spec_digest": file_digests([sweep.path])[str(sweep.path)],
        "accepted_changes": accepted or [],
    }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def add_command(commands) -> None:
    """Register ``partysim sweep`` (called from sim.cli.build_parser)."""
    parser = commands.add_parser(
        "sweep", help="run a parameter sweep (grid, random, lhs, sobol, morris) with replications"
    )
    parser.add_argument("spec", help="sweep spec YAML file (see README, 'Many runs')")
    add_output_args(parser, "sweep", "results/sweeps/<name>")
    add_executor_args(parser)
    parser.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    sweep = load_sweep(args.spec)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.spec.name
    prepare_output(out, args.overwrite, args.resume)
    if args.resume:
        check_kind(out, "sweep")
        check_resumable(sweep, out, args.accept_changes)
    check_writable(out)
    check_local_memory(args, sweep.scenarios, len(sweep.scenarios) * sweep.first_replications)

    def work(executor) -> int:
        report = run_sweep(
            sweep,
            out,
            executor,
            resume=args.resume,
            overwrite=args.overwrite,
            show_progress=not args.quiet,
            accept_changes=args.accept_changes,
        )
        return print_counts(
            report.records,
            out,
            report.wall_seconds,
            "sweep",
            args.quiet,
            retry=f"; run them again with: partysim sweep {args.spec} --out {out} --resume",
        )

    return with_executor(
        args,
        work,
        f"the earlier sweep in {out} is kept as it was"
        if args.overwrite and not args.resume
        else f"finished runs are kept in {out}/runs; continue with --resume --out {out}",
    )
