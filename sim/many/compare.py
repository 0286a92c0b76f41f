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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.many.executors import add_executor_args, check_local_memory, positive_int, with_executor
from sim.many.intervals import adjusted_p_values, independent_difference, paired_difference
from sim.many.outcomes import OutcomeError, names_of, parse
from sim.many.runs import (
    OK,
    RunProgress,
    RunRecord,
    RunTask,
    clear_output,
    prepare_output,
    print_counts,
    probe,
    record_of,
    run_seed,
    save,
    write_json_atomic,
    write_parquet_atomic,
)
from sim.run.result import _versions
from sim.scenario import Scenario, ScenarioError, load_scenario

#: Outcomes compared when none are given: every headline number of summary.json, whatever mechanisms exist.
DEFAULT_OUTCOMES = ("summary:final.*", "summary:totals.*")
BASE_LABEL = "base"


@dataclass(frozen=True)
class Arm:
    """One scenario of a comparison: the base or a variant, with a label unique in the comparison."""

    label: str
    path: Path
    scenario: Scenario


def load_arms(base: str, variants: list[str], overrides: list[str]) -> list[Arm]:
    """Base first, then variants labelled by scenario name (``-2``, ``-3``... when names repeat)."""
    arms = [Arm(BASE_LABEL, Path(base), load_scenario(base, overrides))]
    used = {BASE_LABEL}
    for path in variants:
        scenario = load_scenario(path, overrides)
        label, count = scenario.name, 1
        while label in used:
            count += 1
            label = f"{scenario.name}-{count}"
        used.add(label)
        arms.append(Arm(label, Path(path), scenario))
    return arms


def replication_seeds(seed: int, reps: int, arms: list[Arm], independent: bool) -> dict[str, list[int]]:
    """Seeds per arm: the same list for every arm (common random numbers) or one list per arm."""
    return {
        arm.label: [run_seed(seed, index, rep) if independent else run_seed(seed, rep) for rep in range(reps)]
        for index, arm in enumerate(arms)
    }


def comparison_tasks(arms: list[Arm], seeds: dict[str, list[int]], out: Path, outcomes: dict) -> list[RunTask]:
    return [
        RunTask(
            f"{arm.label}/{rep}",
            str(out.resolve() / "runs" / arm.label / str(rep)),
            arm.scenario,
            seed,
            outcomes,
            {"comparison": arm.label, "replication": rep},
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
) -> ComparisonReport:
    """Run every arm ``reps`` times and write the comparison directory (see the module docstring)."""
    started = time.perf_counter()
    prepare_output(out, overwrite)
    expressions = expressions or names_of(DEFAULT_OUTCOMES)
    seeds = replication_seeds(seed, reps, arms, independent)
    try:
        outcomes, first_result = probe(expressions, comparison_tasks(arms, seeds, out, {})[0])
    except OutcomeError as exc:
        message, name = exc.args
        raise ScenarioError(f"--outcome {expressions[name]}: expected {message}") from None
    tasks = comparison_tasks(arms, seeds, out, outcomes)
    clear_output(out, overwrite)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    records = []
    if first_result is not None:
        save(tasks[0], first_result)
        records.append(record_of(tasks[0], first_result))
    with RunProgress(len(tasks), already=len(records), show=show_progress) as progress:
        for record in executor.run(tasks[len(records) :]):
            progress.advance(record)
            records.append(record)
    table = comparison_table(arms, reps, outcomes, records, paired=not independent)
    write_parquet_atomic(table, out / "comparison.parquet")
    failed = sum(r.status != OK for r in records)
    write_json_atomic(
        out / "comparison.json",
        {
            "kind": "comparison",
            "base": str(arms[0].path),
            "variants": [
                {"label": arm.label, "path": str(arm.path), "scenario": arm.scenario.name} for arm in arms[1:]
            ],
            "reps": reps,
            "paired": not independent,
            "seed": seed,
            "seeds": seeds,
            "outcomes": {name: outcome.expression for name, outcome in outcomes.items()},
            "counts": {"done": len(records) - failed, "failed": failed},
            "executor": executor.description,
            "wall_seconds": round(time.perf_counter() - started, 3),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "command": sys.argv,
            "versions": _versions(),
        },
    )
    return ComparisonReport(out, table, records, time.perf_counter() - started)


def print_table(table: pd.DataFrame, console: Console | None = None) -> None:
    """Difference, its 95% CI, raw and BH-adjusted p-values per variant and outcome; stars where significant."""
    method = "paired t (common random numbers)" if table["paired"].all() else "Welch t (independent seeds)"
    shown = Table(title=f"variant - base, 95% CI, {method}")
    for column, justify in (
        ("variant", "left"),
        ("outcome", "left"),
        ("n", "right"),
        ("base", "right"),
        ("variant mean", "right"),
        ("difference [95% CI]", "right"),
        ("p", "right"),
        ("p (BH)", "right"),
    ):
        shown.add_column(column, justify=justify)
    for row, marked in zip(table.itertuples(index=False), significant(table)):
        mark = " *" if marked else ""
        shown.add_row(
            row.variant,
            row.outcome,
            str(row.n),
            f"{row.base_mean:,.4g}",
            f"{row.variant_mean:,.4g}",
            f"{row.diff_mean:+,.4g} [{row.ci_low:+,.4g}, {row.ci_high:+,.4g}]{mark}",
            f"{row.p_value:.3g}",
            f"{row.p_adjusted:.3g}",
        )
    (console or Console()).print(shown)


def add_command(commands) -> None:
    """Register ``partysim compare`` (called from sim.cli.build_parser)."""
    parser = commands.add_parser("compare", help="paired what-if comparison of variant scenarios against a base")
    parser.add_argument("base", help="base scenario YAML file")
    parser.add_argument("variants", nargs="+", metavar="variant", help="variant scenario files (often `extends: base`)")
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
    parser.add_argument("--out", help="output directory (default results/compare/<base name>/<timestamp>)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    add_executor_args(parser)
    parser.set_defaults(func=cmd_compare)


def parse_outcome_options(options: list[str]) -> dict[str, str] | None:
    """``NAME=EXPR`` or ``EXPR`` (named by itself); malformed ones are usage errors (exit 2)."""
    if not options:
        return None
    named = dict(option.split("=", 1) if "=" in option else (option, option) for option in options)
    for name, expression in named.items():
        try:
            parse(expression)
        except OutcomeError as exc:
            raise ScenarioError(f"--outcome {name}: expected {exc}") from None
    return named


def cmd_compare(args: argparse.Namespace) -> int:
    arms = load_arms(args.base, args.variants, args.overrides)
    expressions = parse_outcome_options(args.outcomes)
    seed = arms[0].scenario.seed if args.seed is None else args.seed
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else Path("results") / "compare" / arms[0].scenario.name / stamp
    prepare_output(out, args.overwrite)
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
        )
        if not args.quiet:
            print_table(report.table)
        return print_counts(report.records, out, report.wall_seconds, "compare", args.quiet)

    return with_executor(args, work, f"the runs finished so far are in {out}/runs")
