"""The report page: a small model (sections of tables, figures, notes) and its one-file HTML rendering.

The page must open anywhere it is sent — an e-mail attachment, a laptop
without network, a phone — so it is one file with everything inside it:
figures as ``data:`` URIs, CSS in a ``<style>`` element, no script, no font
or stylesheet from the network. The layout is one column that fits a phone
and widens to two columns of tables on a desktop (figures and wide tables take
the whole width). Figures keep a legible width and table cells keep numbers
and dates on one line: on a phone either scrolls sideways in its own box
instead of shrinking to unreadable print or pushing the page wider than the
screen.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.report.figures import Figure, Omitted, SavedFigure
from sim.report.palette import PALETTE_NAME


@dataclass
class Table:
    """A table of already formatted cells; ``note`` says how to read it; ``wide`` tables take the page's width."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    wide: bool = False


@dataclass
class Section:
    """A heading with its tables, figures and notes, in order."""

    title: str
    #: A :class:`~sim.report.figures.Figure` is drawn by the page and replaced by its
    #: :class:`SavedFigure` when the report is written.
    items: Sequence[Table | Figure | SavedFigure | Omitted | str] = field(default_factory=list)


@dataclass
class Page:
    """A whole report: what it is about (title, subtitle) and its sections."""

    title: str
    subtitle: str
    sections: list[Section]


CSS = """
:root { --ink: #222; --muted: #555; --rule: #d9d9d9; --band: #f4f4f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 1rem; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 1rem; }
h1 { font-size: 1.5rem; margin: 0.2rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1rem; margin: 0 0 0.4rem; }
.subtitle, .note, figcaption, footer { color: var(--muted); font-size: 0.9rem; }
.grid { display: grid; grid-template-columns: 1fr; gap: 1.2rem; }
@media (min-width: 900px) { .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
                            figure, .table.wide { grid-column: 1 / -1; } }
figure, .table { margin: 0; padding: 0.6rem; border: 1px solid var(--rule); border-radius: 6px; min-width: 0; }
.subtitle { overflow-wrap: anywhere; }
.plot { overflow-x: auto; }
figure img { width: 100%; min-width: 640px; max-width: 1100px; height: auto; display: block; margin: 0 auto; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.5rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
td.date { white-space: nowrap; }
thead th { background: var(--band); }
.omitted { border: 1px dashed var(--rule); padding: 0.6rem; border-radius: 6px; color: var(--muted); }
footer { margin-top: 2rem; border-top: 1px solid var(--rule); padding-top: 0.6rem; }
"""


def cell(value: object) -> str:
    """A value as table text: thousands separators for counts, three significant digits for rates."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def number(value: float, signed: bool = False) -> str:
    """Four significant digits below 1,000, whole numbers with separators above (32,730, not 3.273e+04)."""
    sign = "+" if signed else ""
    return f"{value:{sign},.0f}" if abs(value) >= 1000 else f"{value:{sign},.4g}"


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).replace("-", "", 1).replace("%", "").strip().isdigit()


#: Dates in tables are ISO dates; they must not break at their hyphens.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _td(text: str) -> str:
    kind = ' class="num"' if _is_number(text) else ' class="date"' if _DATE.fullmatch(text) else ""
    return f"<td{kind}>{html.escape(text)}</td>"


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in table.columns)
    body = "".join("<tr>" + "".join(_td(text) for text in row) + "</tr>" for row in table.rows)
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return (
        f'<div class="{"table wide" if table.wide else "table"}"><h3>{html.escape(table.title)}</h3>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>"
    )


def _figure(figure: SavedFigure) -> str:
    return (
        f'<figure id="{html.escape(figure.name)}"><h3>{html.escape(figure.title)}</h3>'
        f'<div class="plot"><img src="{figure.data_uri()}" alt="{html.escape(figure.title)}"></div>'
        f"<figcaption>{html.escape(figure.caption)} Files: {html.escape(figure.png.name)}, "
        f"{html.escape(figure.svg.name)}.</figcaption></figure>"
    )


def _item(item: Table | Figure | SavedFigure | Omitted | str) -> str:
    if isinstance(item, Figure):
        raise TypeError(f"figure {item.name!r} must be saved (sim.report.figures.save) before the page is rendered")
    if isinstance(item, Table):
        return _table(item)
    if isinstance(item, SavedFigure):
        return _figure(item)
    if isinstance(item, Omitted):
        return f'<div class="omitted"><h3>{html.escape(item.title)}</h3>Not drawn: {html.escape(item.reason)}.</div>'
    return f'<p class="note">{html.escape(item)}</p>'


def render(page: Page, generator: str) -> str:
    """The page as one HTML document; ``generator`` (program and version) goes in the footer."""
    sections = "".join(
        f'<section><h2>{html.escape(s.title)}</h2><div class="grid">{"".join(_item(i) for i in s.items)}</div></section>'
        for s in page.sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="{html.escape(generator)}">'
        f"<title>{html.escape(page.title)}</title><style>{CSS}</style></head>\n"
        f"<body><main><header><h1>{html.escape(page.title)}</h1>"
        f'<p class="subtitle">{html.escape(page.subtitle)}</p></header>\n{sections}\n'
        f"<footer>Written by {html.escape(generator)}. Colours: {PALETTE_NAME} palette with distinct line styles "
        "and hatches, readable in greyscale. Every figure is also saved as PNG and SVG next to this page.</footer>"
        "</main></body></html>\n"
    )
