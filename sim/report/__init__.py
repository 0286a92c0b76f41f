"""Reports: one self-contained HTML page, plus every figure as PNG and SVG, for a run, a sweep or a comparison.

Analysts would rather look than read Parquet files, and they send results to
colleagues who have no partysim: so the page carries its figures inside it
and needs no network. Usage::

    from sim.report import write_report
    write_report("results/county/20240101-120000")        # -> .../report.html

The kind of directory is detected from what it holds (see :func:`detect_kind`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.run.result import OutputError

if TYPE_CHECKING:
    from sim.report.html import Page

RUN, SWEEP, COMPARISON, CALIBRATION = "run", "sweep", "comparison", "calibration"
PAGE_NAME = "report.html"


class ReportError(OutputError):
    """A directory that is not a run, sweep or comparison; one line for the user (exit code 2)."""


def detect_kind(directory: Path) -> str:
    """``sweep`` if it has sweep.json, ``comparison`` if comparison.json, ``run`` if manifest.json and a time series."""
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
        f"{directory}: not a run, sweep or comparison directory "
        "(expected manifest.json with timeseries.parquet/.csv, sweep.json or comparison.json)"
    )


def _builders() -> dict[str, Callable[[Path], Page]]:
    # Imported here: the plotting modules load matplotlib, which the CLI should only pay for when reporting.
    from sim.report.calibrate_page import calibration_page
    from sim.report.compare_page import comparison_page
    from sim.report.run_page import run_page
    from sim.report.sweep_page import sweep_page

    return {RUN: run_page, SWEEP: sweep_page, COMPARISON: comparison_page, CALIBRATION: calibration_page}


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


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``directory`` (default ``<directory>/report.html``) and its figures; returns the page."""
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
    figure_dir = figures_directory(page_path)
    with report_style():
        page = _builders()[kind](directory)
        for section in page.sections:
            section.items = [save(item, figure_dir) if isinstance(item, Figure) else item for item in section.items]
    _remove_stale(figure_dir, page)
    page_path.parent.mkdir(parents=True, exist_ok=True)
    staging = page_path.with_name(f".{page_path.name}.partial")
    staging.write_text(render(page, f"partysim {__version__} report"), encoding="utf-8")
    os.replace(staging, page_path)
    return page_path
