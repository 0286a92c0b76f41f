"""Colours, line styles and hatches that survive colour-blindness and greyscale printing.

Colours are the Okabe–Ito palette (Okabe & Ito, *Color Universal Design*,
2008), safe for the common colour-vision deficiencies. Colour alone does not
survive a greyscale printer, so every series also gets its own line style and
marker (lines) or hatch (areas and bars): the n-th series is told apart by
shape even when all colours print as the same grey. The order alternates dark
and light colours so neighbouring series differ in lightness too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PALETTE_NAME = "Okabe-Ito"

#: Okabe–Ito colours, ordered to alternate dark and light.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
LINE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 3)), (0, (3, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "", "++")  # black (index 6) needs none

#: Neutral ink for reference lines (zero, event dates) that must not look like a series.
INK = "#333333"
GRID = "#d9d9d9"


@dataclass(frozen=True)
class SeriesStyle:
    """How the n-th series of a figure is drawn: colour plus a shape that prints in grey."""

    color: str
    linestyle: str | tuple
    marker: str
    hatch: str

    def line(self) -> dict:
        """Keyword arguments for ``Axes.plot``."""
        return {
            "color": self.color,
            "linestyle": self.linestyle,
            "marker": self.marker,
            "markevery": 0.1,
            "markersize": 4,
            "linewidth": 1.6,
        }

    def area(self) -> dict:
        """Keyword arguments for a filled area or bar (``bar``, ``barh``, ``fill_between``)."""
        return {"facecolor": self.color, "hatch": self.hatch, "edgecolor": INK, "linewidth": 0.4}


def series(index: int) -> SeriesStyle:
    """The style of series number ``index`` (cycles after eight series)."""
    n = index % len(OKABE_ITO)
    return SeriesStyle(OKABE_ITO[n], LINE_STYLES[n], MARKERS[n], HATCHES[n])


#: Matplotlib settings for every report figure: readable on a phone, reproducible bytes.
#: Width and height of a report figure (inches).
FIGURE_SIZE = (8.0, 4.2)

#: Matplotlib settings for every report figure (see above).
RC_PARAMS: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.figsize": FIGURE_SIZE,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "partysim-report",  # stable ids inside SVG files
    "svg.fonttype": "path",  # no font needed to view the SVG
}
