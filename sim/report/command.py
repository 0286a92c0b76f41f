"""``partysim report DIR [--out FILE.html] [--open]`` and ``partysim run ... --report``.

Kept apart from :mod:`sim.cli` so that the report's options live with the
report, and light: matplotlib is only imported when a report is written,
and webbrowser when one is opened, not every time ``partysim`` starts.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_report_command(commands, run: argparse.ArgumentParser) -> None:
    """Register the ``report`` subcommand and the ``--report`` option of ``run`` (called from sim.cli.build_parser)."""
    report = commands.add_parser(
        "report", help="write a self-contained HTML report (and PNG/SVG figures) of a run, sweep or comparison"
    )
    report.add_argument("directory", help="a run, sweep or comparison directory")
    report.add_argument(
        "--out", help="HTML file to write (default DIR/report.html; figures go to <name>_figures/ beside it)"
    )
    report.add_argument("--open", action="store_true", help="open the page in the default web browser")
    report.set_defaults(func=cmd_report)
    run.add_argument(
        "--report", action="store_true", help="also write the run's report (report.html in the run directory)"
    )


def cmd_report(args: argparse.Namespace) -> int:
    from sim.report import write_report

    page = write_report(args.directory, args.out)
    print(f"report in {page}")
    if args.open:
        import webbrowser

        webbrowser.open(page.resolve().as_uri())
    return 0


def report_after_run(args: argparse.Namespace, run_directory: Path) -> None:
    """With ``partysim run --report``: write the report of the run just saved."""
    if args.report:
        from sim.report import write_report

        page = write_report(run_directory)
        if not args.quiet:
            print(f"report in {page}")
