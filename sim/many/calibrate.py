"""``partysim calibrate SPEC``: fit assumed parameters to published figures, then predict held-out ones.

The spec (:mod:`sim.many.calibration.spec`) names a base scenario, the parameters to
fit with their ranges, and targets: published figures, each with its source and a
likelihood. The search (:mod:`sim.many.calibration.study`) is Optuna's, under common
random numbers: every trial runs the same replication seeds, so trials differ only by
their parameters. After the search the best scenario is run with fresh seeds on the
``validate`` targets, which never entered the objective, and the report shows those
out-of-sample errors beside the in-sample ones.

Output directory: ``spec.yaml`` (resolved), ``study.journal`` (Optuna journal, resumable),
``runs/`` and ``trials/`` (per-run directories and per-trial scores), ``validate/`` (the
validation runs), and the tables of :mod:`sim.many.calibration.outputs` with
``calibration.json`` and ``report.html``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.many.calibration import outputs
from sim.many.calibration.spec import RESUMABLE_CHANGES, Calibration, load_calibration
from sim.many.calibration.study import (
    FIT,
    VALIDATE,
    TrialResult,
    open_study,
    optuna,
    replication_tasks,
    score_records,
    search,
    target_outcomes,
)
from sim.many.executors import add_executor_args, check_local_memory, make_executor, positive_int, with_executor
from sim.many.outcomes import OutcomeError
from sim.many.runs import (
    RunTask,
    add_output_args,
    check_kind,
    output_directory,
    prepare_output,
    probe,
    remove_staging,
    run_seed,
    split_finished,
    write_json_atomic,
    write_text_atomic,
)
from sim.many.sweep import located_error
from sim.run.result import OutputError, _versions
from sim.run.rundir import check_writable


@dataclass
class CalibrationReport:
    """What a finished calibration found."""

    out: Path
    best: TrialResult
    trials: int
    failed: int
    wall_seconds: float


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
    report: Callable[[Path], object] | None = None,
    show_progress: bool = False,
) -> CalibrationReport:
    """Python API (``sim.calibrate``): the same search and outputs as ``partysim calibrate``.

    ``report`` writes the HTML report of the output directory (``sim.report.write_report``; the
    report layer sits beside this one, so the caller above both passes it in).
    """
    calibration = load_calibration(spec)
    out = Path(out) if out else default_out(calibration)
    executor = make_executor(workers, scheduler, dask_local)
    try:
        return run_calibration(calibration, out, executor, trials, resume, overwrite, report, show_progress)
    finally:
        executor.close()


def default_out(calibration: Calibration) -> Path:
    return Path("results") / "calibrations" / calibration.spec.name


def check_resumable(calibration: Calibration, out: Path) -> None:
    """A resumed calibration must be the same one: only name, description and trials may change."""
    stored = out / "spec.yaml"
    if not stored.is_file():
        return
    before = yaml.safe_load(stored.read_text(encoding="utf-8")) or {}
    now = calibration.resolved()
    changed = sorted(k for k in set(before) | set(now) if k not in RESUMABLE_CHANGES and before.get(k) != now.get(k))
    if changed:
        raise OutputError(
            f"{out}: --resume: expected the spec the calibration started with, found {', '.join(changed)} changed "
            f"(start a new calibration with another --out)"
        )


def _probe(calibration: Calibration, targets: dict, validation: bool) -> dict:
    """Check every target's outcomes against one run (of the parameters' middle), before anything is written."""
    key = "validate" if validation else "targets"
    middle = {n: p.from_unit(np.array([0.5]))[0] for n, p in calibration.spec.parameters.items()}
    scenario = calibration.scenario(middle, validation=validation)
    task = RunTask("probe", "/nonexistent/partysim-probe", scenario, run_seed(calibration.spec.seed, FIT, 0), {})
    expressions = target_outcomes(targets)
    try:
        found, _ = probe(expressions, task)
    except OutcomeError as exc:
        message, name = exc.args
        target = name.split(":")[0]
        loc = ("validate", "targets", target, "outcome") if validation else (key, target, "outcome")
        raise located_error(calibration.origins, str(calibration.path), loc, message, expressions[name]) from None
    return found


def run_calibration(
    calibration: Calibration,
    out: Path,
    executor,
    trials: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    report: Callable[[Path], object] | None = None,
    show_progress: bool = True,
) -> CalibrationReport:
    """Search, score the best trial in and out of sample, write every output (see the module docstring)."""
    started = time.perf_counter()
    module = optuna()
    with output_directory(out, "calibration", overwrite, resume) as work:
        if resume:
            check_resumable(calibration, out)
        spec = calibration.spec
        outcomes = _probe(calibration, spec.targets, validation=False)
        held_out = _probe(calibration, spec.validate_.targets, validation=True) if spec.validate_ else {}
        (work / "runs").mkdir(parents=True, exist_ok=True)
        remove_staging(work)
        write_text_atomic(work / "spec.yaml", yaml.safe_dump(calibration.resolved(), sort_keys=False))
        # The kind file from the start, so that a killed calibration can be resumed (and nothing else can).
        if not (work / "calibration.json").is_file():
            write_json_atomic(work / "calibration.json", {"kind": "calibration", "status": "running"})
        total = trials or spec.trials
        results = search(calibration, work, executor, outcomes, total, show_progress)
        ok = [r for r in results if not r.errors]
        if not ok:
            raise OutputError(f"{out}: every trial failed (first error: {results[0].errors[0]})")
        best = max(ok, key=lambda r: (r.value, -r.number))  # ties: the earliest trial
        fit = outputs.fit_rows(outputs.IN_SAMPLE, spec.targets, best.scores)
        if spec.validate_:
            tasks = replication_tasks(calibration, work / "validate", "validate", best.params, held_out, VALIDATE)
            records, todo = split_finished(tasks)
            records += list(executor.run(todo))
            scores, errors = score_records(spec.validate_.targets, records)
            if errors:
                raise OutputError(f"{out}: the validation runs of the best scenario failed ({errors[0]})")
            fit += outputs.fit_rows(outputs.OUT_OF_SAMPLE, spec.validate_.targets, scores)
        outputs.write_tables(calibration, work, results, fit)
        study = open_study(calibration, work)
        outputs.write_parquet_atomic(outputs.importances(study, module), work / "importances.parquet")
        outputs.write_best(calibration, best.params, work)
        wall = time.perf_counter() - started
        failed = len(results) - len(ok)
        write_json_atomic(
            work / "calibration.json", metadata(calibration, out, executor, best, len(results), failed, wall)
        )
    if report is not None:
        report(out)
    return CalibrationReport(out, best, len(results), failed, wall)


def metadata(calibration: Calibration, out: Path, executor, best: TrialResult, trials: int, failed: int, wall: float):
    spec = calibration.spec
    return {
        "kind": "calibration",
        "name": spec.name,
        "description": spec.description,
        "spec": str(calibration.path),
        "base": str(calibration.base_path),
        "validate_base": None if calibration.validate_base is None else str(calibration.validate_base),
        "parameters": calibration.parameter_names,
        "parameter_specs": calibration.resolved()["parameters"],
        "sampler": spec.sampler,
        "seed": spec.seed,
        "replications": spec.replications,
        "batch": spec.batch,
        "trials": trials,
        "failed": failed,
        "best": {"trial": best.number, "objective": best.value, "params": best.params},
        "executor": executor.description,
        "wall_seconds": round(wall, 3),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": sys.argv,
        "versions": _versions(),
    }


def add_command(commands, write_report: Callable[[Path], object]) -> None:
    """Register ``partysim calibrate`` (called from sim.cli.build_parser, which passes the report writer)."""
    parser = commands.add_parser(
        "calibrate", help="fit assumed parameters to published figures (Optuna), validate on held-out figures"
    )
    parser.add_argument("spec", help="calibration spec YAML file (see calibrations/)")
    add_output_args(parser, "calibration", "results/calibrations/<name>", accept_changes=False)
    parser.add_argument("--trials", type=positive_int, help="trials of the search (default: the spec's)")
    parser.add_argument("--no-report", action="store_true", help="do not write report.html")
    add_executor_args(parser)
    parser.set_defaults(func=cmd_calibrate, write_report=write_report)


def cmd_calibrate(args: argparse.Namespace) -> int:
    optuna()  # the one-line hint before any work when the extra is missing
    calibration = load_calibration(args.spec)
    out = Path(args.out) if args.out else default_out(calibration)
    prepare_output(out, args.overwrite, args.resume)
    if args.resume:
        check_kind(out, "calibration")
        check_resumable(calibration, out)
    check_writable(out)
    middle = {n: p.from_unit(np.array([0.5]))[0] for n, p in calibration.spec.parameters.items()}
    check_local_memory(args, [calibration.scenario(middle)], calibration.spec.replications * calibration.spec.batch)

    def work(executor) -> int:
        found = run_calibration(
            calibration,
            out,
            executor,
            args.trials,
            args.resume,
            args.overwrite,
            None if args.no_report else args.write_report,
            not args.quiet,
        )
        if not args.quiet:
            best = found.best
            params = ", ".join(f"{k}={_short(v)}" for k, v in best.params.items())
            print(
                f"calibrate: {found.trials} trials ({found.failed} failed), best trial {best.number} "
                f"(log-likelihood {best.value:.2f}): {params}; {found.wall_seconds:.1f} s; results in {out}"
            )
        return 0

    return with_executor(args, work, f"finished trials are kept in {out}; continue with --resume --out {out}")


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else str(value)
