"""What-if comparisons: does a variant scenario change the outcomes beyond noise?

``partysim compare BASE VARIANT... --reps N`` runs every scenario N times. By
default replication i of every scenario uses the *same* seed (common random
numbers): each mechanism draws from its own stream keyed by its name
(``sim.model.streams``), so a variant that changes one mechanism leaves the draws
of every other mechanism as they were, and the paired difference
variant - base keeps only the effect of the change plus the noise it
causes. The paired t interval of the difference is then much narrower than
with independent seeds (``--independent``, Welch's t), which the command
lets users see for themselves.

Outputs: ``comparison.json``, ``comparison.parquet`` (one row per variant and
outcome) and ``runs/<label>/<replication>/`` run directories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console, JustifyMethod
from rich.table import Table

from sim.many.executors import add_executor_args, check_local_memory, positive_int, with_executor
from sim.many.fate import fate_summary, member_fates
from sim.many.intervals import adjusted_p_values, independent_difference, paired_difference
from sim.many.outcomes import OutcomeError, names_of, parse
from sim.many.precision import Precision
from sim.many.runs import (
    OK,
    RunProgress,
    RunRecord,
    RunTask,
    add_output_args,
    changed_inputs,
    check_kind,
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
)
from sim.run.result import OutputError, _versions
from sim.run.rundir import check_writable
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.loading import file_digests, scenario_files

#: Outcomes compared when none are given: every headline number of summary.json, whatever mechanisms exist,
#: and the delegates of the first Congress (the point of the model), where the run has one.
DEFAULT_OUTCOMES = ("summary:final.*", "summary:totals.*")
DELEGATE_OUTCOMES = ("summary:congress.0.*", "summary:congress.0.by_route.*")
BASE_LABEL = "base"


@dataclass(frozen=True)
class Arm:
    """One scenario of a comparison: the base or a variant, with a label unique in the comparison."""

    label: str
    path: Path
    scenario: Scenario


def load_arms(base: str, variants: list[str], overrides: list[str]) -> list[Arm]:
    """Base first, then variants labelled by scenario name (``-2``, ``-3``... when names repeat)."""
    return labelled_arms(
        (Path(base), load_scenario(base, overrides)),
        [(Path(path), load_scenario(path, overrides)) for path in variants],
    )


def labelled_arms(base: tuple[Path, Scenario], variants: list[tuple[Path, Scenario]]) -> list[Arm]:
    """The base, then each variant labelled by its scenario's name (``-2``, ``-3``... when names repeat)."""
    arms = [Arm(BASE_LABEL, *base)]
    used = {BASE_LABEL}
    for path, scenario in variants:
        label, count = scenario.name, 1
        while label in used:
            count += 1
            label = f"{scenario.name}-{count}"
        used.add(label)
        arms.append(Arm(label, path, scenario))
    return arms


def replication_seeds(seed: int, reps: int, arms: list[Arm], independent: bool) -> dict[str, list[int]]:
    """Seeds per arm: the same list for every arm (common random numbers) or one list per arm."""
    return {
        arm.label: [run_seed(seed, index, rep) if independent else run_seed(seed, rep) for rep in range(reps)]
        for index, arm in enumerate(arms)
    }


def comparison_tasks(
    arms: list[Arm], seeds: dict[str, list[int]], out: Path, outcomes: dict, events: bool = False
) -> list[RunTask]:
    return [
        RunTask(
            f"{arm.label}/{rep}",
            str(out.resolve() / "runs" / arm.label / str(rep)),
            arm.scenario,
            seed,
            outcomes,
            {"comparison": arm.label, "replication": rep},
            events=events,
        )
        for arm in arms
        for rep, seed in enumerate(seeds[arm.label])
    ]


def comparison_table(
    arms: list[Arm], reps: int, outcomes: dict, records: list[RunRecord], paired: bool
) -> pd.DataFrame:
    """Variant minus base for every variant and outcome; failed runs are left out (pairwise when paired)."""
    by_id = {r.run_id: r for r in records}

    def values(label: str, outcome: str) -> list[float]:
        found = [by_id.get(f"{label}/{rep}") for rep in range(reps)]
        return [r.values.get(outcome, float("nan")) if r and r.status == OK else float("nan") for r in found]

    rows = []
    difference = paired_difference if paired else independent_difference
    for arm in arms[1:]:
        for outcome in outcomes:
            d = difference(values(BASE_LABEL, outcome), values(arm.label, outcome))
            rows.append(
                (
                    arm.label,
                    outcome,
                    d.n,
                    d.base_mean,
                    d.variant_mean,
                    d.diff_mean,
                    d.diff_sd,
                    d.low,
                    d.high,
                    d.p_value,
                    paired,
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "variant",
            "outcome",
            "n",
            "base_mean",
            "variant_mean",
            "diff_mean",
            "diff_sd",
            "ci_low",
            "ci_high",
            "p_value",
            "paired",
        ],
    ).assign(p_adjusted=lambda table: adjusted_p_values(table["p_value"]))


#: False discovery rate at which a difference is marked significant (on the BH-adjusted p-values).
FDR = 0.05


def significant(table: pd.DataFrame) -> pd.Series:
    """Rows whose BH-adjusted p-value is below :data:`FDR`: the marks of the printed table and the report."""
    return table["p_adjusted"] < FDR


@dataclass
class ComparisonReport:
    out: Path
    table: pd.DataFrame
    records: list[RunRecord]
    wall_seconds: float
    members: pd.DataFrame | None = None


def comparison_inputs(arms: list[Arm], reps: int, seed: int, independent: bool, overrides: list[str]) -> dict:
    """What the runs of a comparison depend on: every scenario file of every arm's chain, the settings, the package."""
    files = [path for arm in arms if Path(arm.path).is_file() for path in scenario_files(arm.path)]
    # A scenario given as an object (the Python API) has no file: its resolved fields stand for it.
    in_memory = {
        f"{arm.label} (in memory)": hashlib.sha256(arm.scenario.model_dump_json().encode()).hexdigest()
        for arm in arms
        if not Path(arm.path).is_file()
    }
    settings = {"reps": reps, "seed": seed, "paired": not independent, "set": list(overrides)}
    return {
        **file_digests(list(dict.fromkeys(files))),
        **in_memory,
        "arms": ",".join(f"{arm.label}={arm.path}" for arm in arms),
        "settings": json.dumps(settings, sort_keys=True),
        "partysim": package_version(),
    }


def run_comparison(
    arms: list[Arm],
    reps: int,
    seed: int,
    out: Path,
    executor,
    expressions: dict[str, str] | None = None,
    independent: bool = False,
    overwrite: bool = False,
    show_progress: bool = True,
    precision: Precision | None = None,
    members: bool = False,
    resume: bool = False,
    accept_changes: bool = False,
    overrides: list[str] | None = None,
) -> ComparisonReport:
    """Run every arm ``reps`` times and write the comparison directory (see the module docstring).

    Owned like a sweep's (:func:`sim.many.runs.output_directory`); ``resume`` keeps the runs
    finished before (redoing damaged ones) and refuses changed inputs unless ``accept_changes``.
    With ``precision``, ``reps`` is the first batch and further batches follow until every
    outcome's interval is narrow enough (:mod:`sim.many.precision`). With ``members``, the runs
    keep their events and ``members.parquet`` lists who changes fate (:mod:`sim.many.fate`).
    """
    check_comparison_settings(reps, seed)
    if members and independent:  # member i of one arm is member i of the other only under common random numbers
        raise ScenarioError("--members: expected common random numbers, found --independent")
    started = time.perf_counter()
    inputs = comparison_inputs(arms, reps, seed, independent, overrides or [])
    with output_directory(out, "comparison", overwrite, resume) as work:
        changes = check_comparison_resumable(out, inputs, accept_changes) if resume else []
        optional = () if expressions else DELEGATE_OUTCOMES
        expressions = expressions or names_of(DEFAULT_OUTCOMES + DELEGATE_OUTCOMES)
        seeds = replication_seeds(seed, reps, arms, independent)
        try:
            outcomes, first_result = probe(expressions, comparison_tasks(arms, seeds, work, {}, members)[0], optional)
        except OutcomeError as exc:
            message, name = exc.args
            raise ScenarioError(f"--outcome {expressions[name]}: expected {message}") from None
        (work / "runs").mkdir(parents=True, exist_ok=True)
        remove_staging(work / "runs")
        batches: list[int] = []

        def metadata(records: list[RunRecord], status: str, fates: pd.DataFrame | None = None) -> dict:
            failed = sum(r.status != OK for r in records)
            return {
                "kind": "comparison",
                "status": status,
                "base": str(arms[0].path),
                "variants": [
                    {"label": arm.label, "path": str(arm.path), "scenario": arm.scenario.name} for arm in arms[1:]
                ],
                "reps": reps,
                "paired": not independent,
                "seed": seed,
                "seeds": seeds,
                "outcomes": {name: outcome.expression for name, outcome in outcomes.items()},
                "precision": {**precision.describe(), "batches": batches} if precision else None,
                "members": fate_summary(fates).to_dict(orient="records") if fates is not None else None,
                "counts": {"done": len(records) - failed, "failed": failed, "resumed": sum(r.resumed for r in records)},
                "executor": executor.description,
                "wall_seconds": round(time.perf_counter() - started, 3),
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "command": sys.argv,
                "versions": _versions(),
                "inputs": inputs,
                "accepted_changes": changes,
            }

        write_json_atomic(work / "comparison.json", metadata([], "running"))
        records: list[RunRecord] = []
        if first_result is not None:
            first = comparison_tasks(arms, seeds, work, outcomes, members)[0]
            save(first, first_result)
            records.append(record_of(first, first_result))
        while True:
            tasks = comparison_tasks(arms, seeds, work, outcomes, members)
            known = {r.run_id for r in records}
            done, todo = split_finished([t for t in tasks if t.run_id not in known])
            records += done
            with RunProgress(len(tasks), already=len(tasks) - len(todo), show=show_progress) as progress:
                for record in executor.run(todo):
                    progress.advance(record)
                    records.append(record)
            batches.append(reps)
            table = comparison_table(arms, reps, outcomes, records, paired=not independent)
            more = precision.next_replications(table, "base_mean", reps) if precision else None
            if more is None:
                break
            reps = more
            seeds = replication_seeds(seed, reps, arms, independent)  # batch k continues the same seed sequence
        if precision:
            table = precision.annotate(table, "base_mean")
        write_parquet_atomic(table, work / "comparison.parquet")
        fates = None
        if members:
            fates = member_fates(work / "runs", BASE_LABEL, [arm.label for arm in arms[1:]], reps)
            write_parquet_atomic(fates, work / "members.parquet")
        write_json_atomic(work / "comparison.json", metadata(records, "complete", fates))
    return ComparisonReport(out, table, records, time.perf_counter() - started, fates)


def check_comparison_settings(reps: int, seed: int) -> None:
    """An interval needs two replications; a seed is a non-negative integer (as in scenario files)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"--seed: expected a non-negative integer, found {seed!r}")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise ScenarioError(
            f"--reps: expected at least 2 (a confidence interval and a p-value need two replications), found {reps!r}"
        )


def check_comparison_resumable(out: Path, inputs: dict[str, str], accept_changes: bool) -> list[str]:
    """``--resume`` of a comparison: the same scenario files, settings and package, or ``--accept-changes``."""
    changed = changed_inputs(out / "comparison.json", inputs)
    if changed and not accept_changes:
        raise OutputError(
            f"{out}: --resume: expected the inputs the comparison started with, found {', '.join(changed)} changed "
            f"(start a new comparison with another --out, or add --accept-changes to mix them)"
        )
    return changed


def print_table(table: pd.DataFrame, console: Console | None = None) -> None:
    """Difference, its 95% CI, raw and BH-adjusted p-values per variant and outcome; stars where significant."""
    method = "paired t (common random numbers)" if table["paired"].all() else "Welch t (independent seeds)"
    shown = Table(title=f"variant - base, 95% CI, {method}")
    layout: tuple[tuple[str, JustifyMethod], ...] = (
        ("variant", "left"),
        ("outcome", "left"),
        ("n", "right"),
        ("base", "right"),
        ("variant mean", "right"),
        ("difference [95% CI]", "right"),
        ("p", "right"),
        ("p (BH)", "right"),
    )
    for column, justify in layout:
        # Names wrap rather than being cut: two cut names could no longer be told apart.
        shown.add_column(column, justify=justify, overflow="fold", no_wrap=column != "outcome")
    for row, marked in zip(table.itertuples(index=False), significant(table)):
        mark = " *" if marked else ""
        shown.add_row(
            row.variant,
            row.outcome,
            str(row.n),
            number(row.base_mean),
            number(row.variant_mean),
            f"{number(row.diff_mean, sign=True)} [{number(row.ci_low, sign=True)}, "
            f"{number(row.ci_high, sign=True)}]{mark}",
            p_value(row.p_value),
            p_value(row.p_adjusted),
        )
    (console or Console()).print(shown)
    if "precision" in table:
        _print_precision(table, console)


def _print_precision(table: pd.DataFrame, console: Console | None) -> None:
    """Per outcome: the replications used and the half-width reached, against the target."""
    unit = "units" if table["precision_absolute"].all() else "of |base mean|"
    for row in table.itertuples(index=False):
        state = "reached" if row.precision_met else "NOT reached (cap)"
        (console or Console()).print(
            f"{row.variant} {row.outcome}: {row.n} replications, half-width {row.precision:.3g} {unit} "
            f"(target {row.precision_target:g}: {state})"
        )


def p_value(value: float) -> str:
    """A p-value to three decimals, ``<0.001`` below, ``n/a`` where undefined."""
    if pd.isna(value):
        return "n/a"
    return f"{value:.3f}" if value >= 0.001 else "<0.001"


def number(value: float, sign: bool = False) -> str:
    """One format for every figure of the table: thousands separators, never scientific notation.

    Whole numbers above 100 without decimals, smaller ones with three significant digits.
    """
    if pd.isna(value):
        return "n/a"
    plus = "+" if sign else ""
    if abs(value) >= 100:
        return f"{value:{plus},.0f}"
    return f"{value:{plus}.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:{plus}.1e}"


def add_command(commands) -> None:
    """Register ``partysim compare`` (called from sim.cli.build_parser)."""
    parser = commands.add_parser("compare", help="paired what-if comparison of variant scenarios against a base")
    parser.add_argument("base", help="base scenario YAML file")
    parser.add_argument(
        "variants", nargs="+", metavar="variant", help="variant scenario files (often with extends: base.yaml)"
    )
    parser.add_argument("--reps", type=positive_int, default=10, help="replications per scenario (default 10)")
    parser.add_argument("--seed", type=int, help="root seed of the replications (default: the base scenario's)")
    parser.add_argument(
        "--independent",
        action="store_true",
        help="independent seeds per scenario instead of common random numbers (to see what pairing gains)",
    )
    parser.add_argument(
        "--outcome",
        dest="outcomes",
        action="append",
        default=[],
        metavar="[NAME=]EXPR",
        help="outcome to compare, e.g. final:members_full (repeatable; default every summary "
        "final.* and totals.* number)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field of every scenario, e.g. --set population.members=1000",
    )
    parser.add_argument(
        "--precision",
        type=float,
        metavar="HALF_WIDTH",
        help="add replications in batches (the first is --reps) until every outcome's 95%% CI half-width is at "
        "most this share of |base mean| (or, with --absolute, this many units)",
    )
    parser.add_argument("--absolute", action="store_true", help="--precision is in the outcome's units")
    parser.add_argument(
        "--max-reps", type=positive_int, default=100, help="cap on replications with --precision (default 100)"
    )
    parser.add_argument(
        "--members",
        action="store_true",
        help="keep every run's events and write members.parquet: who becomes a delegate, is expelled or "
        "punished in one arm only, and the first mechanism at which their paths part",
    )
    add_output_args(parser, "comparison", "results/compare/<base name>/<timestamp>")
    add_executor_args(parser)
    parser.set_defaults(func=cmd_compare)


def parse_outcome_options(options: list[str]) -> dict[str, str] | None:
    """``NAME=EXPR`` or ``EXPR`` (named by itself); malformed ones are usage errors (exit 2)."""
    if not options:
        return None
    named = dict(option.partition("=")[::2] if "=" in option else (option, option) for option in options)
    for name, expression in named.items():
        try:
            parse(expression)
        except OutcomeError as exc:
            raise ScenarioError(f"--outcome {name}: expected {exc}") from None
    return named


def precision_option(args: argparse.Namespace) -> Precision | None:
    """``--precision`` with ``--absolute`` and ``--max-reps``; a bad value is a usage error (exit 2)."""
    if args.precision is None:
        if args.absolute:
            raise ScenarioError("--absolute: expected --precision with it, found none")
        return None
    if not args.precision > 0:
        raise ScenarioError(f"--precision: expected a half-width above 0, found {args.precision}")
    if args.max_reps < args.reps:
        raise ScenarioError(f"--max-reps: expected at least --reps ({args.reps}), found {args.max_reps}")
    return Precision(args.precision, args.absolute, args.max_reps)


def print_members(fates: pd.DataFrame, console: Console | None = None) -> None:
    """Members whose fate differs, per variant and fate, and the mechanism where their paths first part."""
    shown = Table(title="members whose fate differs from the base (all replications)")
    for column in ("variant", "fate", "in base only", "in variant only", "first parting mechanisms"):
        shown.add_column(column)
    for row in fate_summary(fates).itertuples(index=False):
        shown.add_row(row.variant, row.fate, str(row.base_only), str(row.variant_only), row.mechanisms)
    (console or Console()).print(shown)


def cmd_compare(args: argparse.Namespace) -> int:
    arms = load_arms(args.base, args.variants, args.overrides)
    expressions = parse_outcome_options(args.outcomes)
    seed = arms[0].scenario.seed if args.seed is None else args.seed
    check_comparison_settings(args.reps, seed)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else Path("results") / "compare" / arms[0].scenario.name / stamp
    prepare_output(out, args.overwrite, args.resume)
    if args.resume:
        check_kind(out, "comparison")
        check_comparison_resumable(
            out, comparison_inputs(arms, args.reps, seed, args.independent, args.overrides), args.accept_changes
        )
    check_writable(out)
    precision = precision_option(args)
    check_local_memory(args, [arm.scenario for arm in arms], len(arms) * args.reps)

    def work(executor) -> int:
        report = run_comparison(
            arms,
            args.reps,
            seed,
            out,
            executor,
            expressions,
            args.independent,
            args.overwrite,
            show_progress=not args.quiet,
            precision=precision,
            members=args.members,
            resume=args.resume,
            accept_changes=args.accept_changes,
            overrides=args.overrides,
        )
        if not args.quiet:
            print_table(report.table)
            if report.members is not None:
                print_members(report.members)
        return print_counts(report.records, out, report.wall_seconds, "compare", args.quiet)

    return with_executor(
        args,
        work,
        f"the earlier comparison in {out} is kept as it was"
        if args.overwrite and not args.resume
        else f"the runs finished so far are in {out}/runs; continue with --resume --out {out}",
    )
