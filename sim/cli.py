"""The ``partysim`` command line.

Every user mistake (bad scenario, bad option, unusable output directory, a
run too large for the memory available) ends with one line on stderr and exit
code 2, never a traceback. Ctrl-C and SIGTERM end with one line and exit code
130 or 143, leaving a run directory whole or not at all (sim.run.rundir).

rich (tables, the progress bar) is imported where something is shown: a
``run --quiet`` shows nothing, and the import costs it a hundredth of a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
from pathlib import Path

from sim import __version__
from sim.model.invariants import InvariantError
from sim.report.command import add_report_command, report_after_run
from sim.run.allocator import keep_large_arrays_in_heap
from sim.run.interruption import exit_code, terminate_as_interrupt
from sim.run.resources import MemoryShortage, check_memory
from sim.run.result import FORMATS, OutputError, end_git_commands, start_git_commands
from sim.run.rundir import check_target
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_schema
from sim.scenario.loading import field_rows, file_digests, scenario_files

EXIT_USAGE = 2
#: Commands of one run. Named first on the command line, they are the only ones registered: the
#: many-run commands' modules (sweeps, comparisons, calibration: pandas statistics, executors,
#: designs) cost a tenth of a second to import, which a 10k-member run would pay for nothing.
ONE_RUN_COMMANDS = ("run", "validate", "schema", "report")
#: A run stopped because the model broke one of its invariants (a bug, not a user mistake).
EXIT_INVARIANT = 3


class UsageError(Exception):
    """A command-line mistake; printed as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (and where to look), not the usage block."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"partysim: error: {message} (see {self.prog} --help)\n")


def _add_scenario_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field, e.g. --set population.members=10000 (repeatable)",
    )


def seed_type(text: str) -> int:
    """argparse type of --seed: a non-negative integer, as in scenario files."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, found {text!r}")
    return value


def default_run_dir(name: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return Path("results") / name / stamp


def cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    out = Path(args.out) if args.out else default_run_dir(scenario.name)
    check_target(out, args.overwrite)  # before the run, not after minutes of work
    if not args.ignore_memory_check:
        check_memory([scenario], events=args.events)
    keep_large_arrays_in_heap()  # this process runs one simulation and exits (sim.run.allocator)
    start_git_commands()  # the manifest's provenance, asked now to be ready when the run ends
    try:
        return _run_and_save(args, scenario, out)
    except KeyboardInterrupt as exc:
        raise type(exc)(f"{out} holds either this run complete or nothing of it") from None
    finally:
        end_git_commands()


def _run_and_save(args: argparse.Namespace, scenario: Scenario, out: Path) -> int:
    from sim.run.engine import Simulation

    simulation = Simulation(scenario, seed=args.seed, events=args.events, checks=not args.no_checks)
    result = simulation.run() if args.quiet else _run_showing_progress(simulation)
    result.manifest["inputs"] = file_digests(scenario_files(args.scenario))
    path = result.save(out, fmt=args.format, overwrite=args.overwrite)
    if args.quiet:
        print(f"results in {path}")
    else:
        _print_summary(result, path)
    report_after_run(args, path)
    return 0


def _run_showing_progress(simulation):
    """Run with a progress bar on stderr when it is a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return simulation.run()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        description = f"{simulation.scenario.name} (seed {simulation.seed})"
        task = bar.add_task(description, total=simulation.world.calendar.horizon)
        return simulation.run(progress=lambda day, total: bar.update(task, completed=day))


def _print_summary(result, path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(
        title=f"{result.summary['scenario']} (seed {result.summary['seed']}), "
        f"{result.summary['start']} to {result.summary['end']}"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in result.summary["final"].items():
        table.add_row(f"final {name}", f"{value:,}")
    for name, value in result.summary["totals"].items():
        table.add_row(f"total {name}", f"{value:,}")
    punishments = result.summary.get("punishments", {})
    if punishments:
        table.add_row("expulsions per punishment", f"{punishments['expulsions_per_punishment']:.3f}")
        table.add_row("punishments per member-year", f"{punishments['punished_share_per_year']:.2%}")
    for name, value in delegate_figures(result.summary):
        table.add_row(name, f"{value:,}")
    console.print(table)
    manifest = result.manifest
    console.print(
        f"{manifest['wall_seconds']:.2f} s, {manifest['simpy_events']:,} SimPy events, "
        f"peak {manifest['peak_rss_mb']:.0f} MB"
    )
    console.print(f"results in {path}")


def delegate_figures(summary: dict) -> list[tuple[str, int | float]]:
    """The delegates of each Congress cycle of the run (the point of the model), as (label, value) rows."""
    rows = []
    for cycle in summary.get("congress", []):
        label = f"{cycle.get('name', '?')} Congress"
        for key, name in (
            ("assemblies", "assemblies"),
            ("delegates_selected", "delegates"),
            ("women", "women delegates"),
        ):
            if isinstance(cycle.get(key), (int, float)):
                rows.append((f"{label} {name}", cycle[key]))
        for route, count in (cycle.get("by_route") or {}).items():
            rows.append((f"{label} delegates via {route.replace('_', ' ')}", count))
    return rows


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    verdict = (
        f"{args.scenario}: valid scenario '{scenario.name}' ({scenario.population.members:,} members, "
        f"{scenario.start} + {scenario.duration})"
    )
    if args.resolved:  # stdout is the JSON alone, so that it parses (`partysim validate --resolved f.yaml | jq`)
        print(verdict, file=sys.stderr)
        print(json.dumps(scenario.model_dump(mode="json"), indent=2))
    else:
        print(verdict)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    if not args.fields:
        print(json.dumps(scenario_schema(), indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="scenario fields (set any with --set path=value)", show_lines=False)
    table.add_column("field", no_wrap=True)  # a path stays whole, to be copied into --set
    for column in ("type", "default", "description"):
        table.add_column(column, overflow="fold")
    for path, kind, default, description in field_rows():
        table.add_row(path, kind, default, description, style="bold" if kind == "section" else None)
    Console().print(table)
    return 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the one-run commands alone when ``command`` is one of them."""
    parser = OneLineParser(
        prog="partysim", description="partysim: simulate a ruling party's membership life cycle, one run or many."
    )
    parser.add_argument("--version", action="version", version=f"partysim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run one scenario and write its results directory")
    _add_scenario_args(run)
    run.add_argument("--out", help="output directory (default results/<name>/<timestamp>)")
    run.add_argument("--seed", type=seed_type, help="seed (default: the scenario's)")
    run.add_argument("--events", action="store_true", help="also write events.parquet (one row per event)")
    run.add_argument("--format", choices=FORMATS, default="parquet", help="table format")
    run.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    run.add_argument("--quiet", action="store_true", help="print only where the results went")
    run.add_argument("--no-checks", action="store_true", help="skip the invariant checks during the run")
    run.add_argument(
        "--ignore-memory-check",
        action="store_true",
        help="run even if the estimated peak memory exceeds the memory available",
    )
    run.set_defaults(func=cmd_run)

    validate = commands.add_parser("validate", help="check a scenario file without running it")
    _add_scenario_args(validate)
    validate.add_argument("--resolved", action="store_true", help="print the fully resolved scenario as JSON")
    validate.set_defaults(func=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario files (--fields: a table)")
    schema.add_argument("--fields", action="store_true", help="a readable table of every field instead of JSON")
    schema.set_defaults(func=cmd_schema)
    if command not in ONE_RUN_COMMANDS:  # a many-run command, or none named (--help, a mistake): all of them
        from sim.many import calibrate, compare, discover, sweep
        from sim.report import write_report

        sweep.add_command(commands)
        compare.add_command(commands)
        discover.add_command(commands)
        calibrate.add_command(commands, write_report)
    add_report_command(commands, run)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse; a ``--set path value`` (a space for the ``=``) is named as the --set mistake it is."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        loose = next((o for o in getattr(args, "overrides", []) if "=" not in o), None)
        if loose is not None:
            parser.exit(
                EXIT_USAGE,
                f"partysim: error: --set {loose}: expected path.to.field=value, found no '=' "
                f"(write --set {loose}={extra[0]})\n",
            )
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the command of ``argv``; without ``argv``, the program's own (``partysim``, ``python -m sim``).

    Called as the program, main freezes the objects of the process out of the garbage collector
    (:func:`gc.freeze`), twice. On entry: the modules, classes and schemas loaded so far (some
    40,000 objects that live as long as the process) are no longer traced by the run's
    collections (a 1M-member run's full collection, 22-25 ms of CPU to free 10 objects, is not
    made; the collector's CPU time in that process fell from 52-57 ms to 28-31 ms). On return,
    the process is about to end: its shutdown would otherwise trace every object several times
    and free the model's reference cycles piece by piece, memory the system takes back at once
    at exit (a 1M-member run's process ended 0.09-0.18 s after main returned, 0.02-0.04 s with
    the freeze; 2-core machine under load, 2026-12-07). The run's files are closed by then; the
    interpreter still flushes stdout and stderr and runs the exit handlers.
    """
    if argv is None:
        gc.freeze()
    words = sys.argv[1:] if argv is None else argv
    args = _parse(build_parser(words[0] if words else None), argv)
    try:
        with terminate_as_interrupt():
            return args.func(args)
    except (ScenarioError, OutputError, UsageError, MemoryShortage) as exc:
        print(f"partysim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvariantError as exc:
        print(f"partysim: model error: {exc}", file=sys.stderr)
        return EXIT_INVARIANT
    except KeyboardInterrupt as exc:
        print(f"partysim: interrupted; {str(exc) or 'no output was written'}", file=sys.stderr)
        return exit_code(exc)
    finally:
        if argv is None:
            gc.freeze()
