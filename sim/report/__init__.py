"""Reports: one self-contained HTML page, plus every figure as PNG and SVG, for a run, a sweep or a comparison.

Analysts would rather look than read Parquet files, and they send results to
colleagues who have no partysim: so the page carries its figures inside it
and needs no network. Usage::

    from sim.report import write_report
    write_report("results/county/20240101-120000")        # -> .../report.html

The kind of directory is detected from what it holds (see :func:`detect_kind`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from sim.run.result import OutputError
from sim.run.rundir import check_writable, reason

if TYPE_CHECKING:
    from sim.report.html import Page

RUN, SWEEP, COMPARISON, DISCOVERY, CALIBRATION = "run", "sweep", "comparison", "discovery", "calibration"
PAGE_NAME = "report.html"


class ReportError(OutputError):
    """A directory that is not a run, sweep or comparison; one line for the user (exit code 2)."""


def detect_kind(directory: Path) -> str:
    """``sweep`` if it has sweep.json, ``comparison`` if comparison.json, ``discovery`` if discovery.json,
    ``calibration`` if calibration.json, ``run`` if manifest.json and a time series."""
    if (directory / "discovery.json").is_file():
        return DISCOVERY
    if (directory / "sweep.json").is_file():
        return SWEEP
    if (directory / "comparison.json").is_file():
        return COMPARISON
    if (directory / "calibration.json").is_file():
        return CALIBRATION
    if (directory / "manifest.json").is_file() and any(
        (directory / f"timeseries.{s}").is_file() for s in ("parquet", "csv")
    ):
        return RUN
    raise ReportError(
        f"{directory}: not a run, sweep, comparison, discovery or calibration directory (expected manifest.json "
        "with timeseries.parquet/.csv, sweep.json, comparison.json, discovery.json or calibration.json)"
    )


def _builders() -> dict[str, Callable[[Path], Page]]:
    # Imported here: the plotting modules load matplotlib, which the CLI should only pay for when reporting.
    from sim.report.calibrate_page import calibration_page
    from sim.report.compare_page import comparison_page
    from sim.report.discover_page import discovery_page
    from sim.report.run_page import run_page
    from sim.report.sweep_page import sweep_page

    return {
        RUN: run_page,
        SWEEP: sweep_page,
        COMPARISON: comparison_page,
        DISCOVERY: discovery_page,
        CALIBRATION: calibration_page,
    }


def figures_directory(page_path: Path) -> Path:
    """Where a page's PNG and SVG files go: ``report.html`` → ``report_figures/`` beside it."""
    return page_path.with_name(f"{page_path.stem}_figures")


def _remove_stale(figure_dir: Path, page: Page) -> None:
    """Delete figure files of an earlier report that this one no longer draws (the folder must match the page)."""
    from sim.report.figures import SavedFigure

    current = {
        path
        for section in page.sections
        for item in section.items
        if isinstance(item, SavedFigure)
        for path in (item.png, item.svg)
    }
    for path in figure_dir.glob("*.*"):
        if path.suffix in (".png", ".svg") and path not in current:
            path.unlink()


def check_readable(directory: Path) -> None:
    """Every table and JSON file of the directory (and of its runs) reads back; else one line naming the file.

    A truncated or half-copied file would otherwise end in a pyarrow or JSON traceback
    deep inside a plot. Parquet files are checked by their footer, which truncation destroys.
    """
    import pyarrow.parquet as pq

    for path in sorted(directory.rglob("*")):
        try:
            if path.suffix == ".parquet":
                pq.read_metadata(path)
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, pa.ArrowException) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ReportError(f"{path}: cannot read this file, is it truncated? ({first})") from None


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``directory`` (default ``<directory>/report.html``) and its figures; returns the page.

    Every refusal comes before any figure is drawn (a bad directory, a damaged file, an
    ``--out`` that is a directory or cannot be written); a failure while writing leaves
    the earlier page as it was and no new figure folder.
    """
    from sim import __version__
    from sim.report.figures import Figure, report_style, save
    from sim.report.html import render

    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"{directory}: no such directory")
    kind = detect_kind(directory)
    page_path = Path(out) if out else directory / PAGE_NAME
    if page_path.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"--out: expected a file name ending in .html, found {str(page_path)!r}")
    if page_path.is_dir():
        raise ReportError(f"--out {page_path}: expected a file name, found a directory")
    check_readable(directory)
    check_writable(page_path)
    figure_dir = figures_directory(page_path)
    new_figure_dir = not figure_dir.exists()
    staging = page_path.with_name(f".{page_path.name}.partial")
    try:
        with report_style():
            page = _builders()[kind](directory)
            for section in page.sections:
                section.items = [save(item, figure_dir) if isinstance(item, Figure) else item for item in section.items]
        _remove_stale(figure_dir, page)
        page_path.parent.mkdir(parents=True, exist_ok=True)
        staging.write_text(render(page, f"partysim {__version__} report"), encoding="utf-8")
        os.replace(staging, page_path)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        if new_figure_dir:
            shutil.rmtree(figure_dir, ignore_errors=True)
        raise ReportError(f"{page_path}: could not write the report ({reason(exc)}); nothing was changed") from None
    return page_path
