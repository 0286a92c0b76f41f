"""A report figure, the note that replaces one the data cannot support, and how figures are written.

Plot functions return a :class:`Figure` or, when the run lacks the columns or
keys a figure needs (a mechanism switched off or not built yet), an
:class:`Omitted` note, so one report renders whatever a result holds.

Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through
``pyplot``: no global figure registry, no GUI backend, nothing left open
between reports. Files are written with the Agg renderer inside
:data:`~sim.report.palette.RC_PARAMS`, without creation dates, so the same
result gives the same bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure as Canvas

from sim.report.palette import FIGURE_SIZE, RC_PARAMS

#: Metadata that would make files differ between two writes of the same figure.
_NO_DATES = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


@dataclass
class Figure:
    """A drawn figure with its file stem, heading and caption (what it shows and how to read it)."""

    name: str
    title: str
    caption: str
    canvas: Canvas


@dataclass(frozen=True)
class Omitted:
    """A figure the result cannot support, with the reason shown in its place in the page."""

    title: str
    reason: str


@dataclass(frozen=True)
class SavedFigure:
    """A figure written next to the page: PNG (embedded in the page) and SVG (for papers)."""

    name: str
    title: str
    caption: str
    png: Path
    svg: Path

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, so the page needs no file beside it."""
        return "data:image/png;base64," + base64.b64encode(self.png.read_bytes()).decode("ascii")


@contextmanager
def report_style() -> Iterator[None]:
    """Matplotlib settings of the report, restored on exit so callers' own plots are untouched."""
    with matplotlib.rc_context(RC_PARAMS):  # type: ignore[arg-type]  # matplotlib types keys as a Literal of every rc name
        yield


def _canvas(height: float | None) -> Canvas:
    width, default_height = FIGURE_SIZE
    return Canvas(figsize=(width, height or default_height), layout="constrained")


def new_canvas(rows: int = 1, cols: int = 1, height: float | None = None, **subplot_kw) -> tuple[Canvas, np.ndarray]:
    """An empty figure with a ``rows`` × ``cols`` array of axes; ``height`` in inches overrides the default."""
    canvas = _canvas(height)
    return canvas, canvas.subplots(rows, cols, squeeze=False, **subplot_kw)


def new_mosaic(layout: list[list[str]], height: float | None = None) -> tuple[Canvas, dict[str, Axes]]:
    """An empty figure with named axes laid out as in :meth:`matplotlib.figure.Figure.subplot_mosaic`."""
    canvas = _canvas(height)
    return canvas, canvas.subplot_mosaic(layout)  # type: ignore[arg-type]  # a list of lists is a valid mosaic


def panel_grid(count: int, columns: int, row_height: float) -> tuple[Canvas, list[Axes]]:
    """``count`` panels, ``columns`` per row, row by row; the unused cells of the last row are removed."""
    columns = min(columns, count)
    rows = -(-count // columns)
    canvas, axes = new_canvas(rows, columns, height=1.0 + row_height * rows)
    for ax in axes.flat[count:]:
        ax.remove()
    return canvas, list(axes.flat[:count])


def save(figure: Figure, directory: Path) -> SavedFigure:
    """Write ``figure`` as ``<name>.png`` and ``<name>.svg`` in ``directory`` (inside :func:`report_style`)."""
    directory.mkdir(parents=True, exist_ok=True)
    png, svg = directory / f"{figure.name}.png", directory / f"{figure.name}.svg"
    figure.canvas.savefig(png, format="png", metadata=_NO_DATES["png"])
    figure.canvas.set_layout_engine("none")  # keep the layout just computed: the SVG needs no second pass
    figure.canvas.savefig(svg, format="svg", metadata=_NO_DATES["svg"])
    return SavedFigure(figure.name, figure.title, figure.caption, png, svg)
