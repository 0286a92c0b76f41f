"""Figures of one run: membership, punishments, meetings and critique, the Congress cycle, delegates.

Each function takes the run's :class:`~sim.run.result.Result` and returns a
:class:`~sim.report.figures.Figure`, or an :class:`~sim.report.figures.Omitted`
note when the run has none of the columns or summary keys the figure needs
(mechanisms can be switched off, and new ones add columns). Series that stay
at zero all run long are left out of the plot and named in the caption, so
the legend only lists what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.model.ladder import LEVELS, STANDING_LEVELS
from sim.report.axes import (
    ACTIVE_MARGIN,
    MONTH_NOTE,
    NO_WHOLE_MONTH,
    count_axis,
    date_axis,
    label,
    legend,
    mark_dates,
    nonzero,
    per_month,
    plot_lines,
    zoom_to_activity,
)
from sim.report.figures import Figure, Omitted, new_canvas, new_mosaic
from sim.report.palette import INK, series
from sim.run.result import Result

STOCKS = ("members_full", "members_candidate", "applicants")
FLOWS = ("applications", "admitted", "candidates_expelled", "expelled", "exits")
MEETINGS = (
    "cell_meetings",
    "cell_committee_meetings",
    "general_meetings",
    "committee_meetings",
    "executive_meetings",
    "reports_sent",
)
CRITIQUE_SESSIONS = ("critiques_held", "critique_findings")
CRITIQUE_OUTCOMES = ("critique_referrals", "reviews_monthly", "reviews_quarterly", "reviews_yearly")
DELEGATE_STOCKS = ("delegate_pool", "delegates_selected")
ROUTES = ("ex_officio", "ordinary", "achievers", "ties", "bribery")
#: Width of a monthly bar, in days (the date axis counts in days).
MONTH_BAR_DAYS = 24


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["date"])


def _zero_note(zeros: Sequence[str]) -> str:
    return f" Zero throughout, not drawn: {', '.join(label(c) for c in zeros)}." if zeros else ""


def _amnesties(result: Result) -> list[tuple[str, str]]:
    return [(order["date"], f"amnesty {order['date']}") for order in result.summary.get("amnesty", [])]


def membership_stocks(result: Result) -> Figure | Omitted:
    """Full members on their own panel; candidates and applicants, two orders of magnitude fewer, below."""
    ts = result.timeseries
    if "members_full" not in ts:
        return Omitted("Membership", "the time series has no members_full column")
    smaller, _ = nonzero(ts, STOCKS[1:])
    canvas, axes = new_canvas(2 if smaller else 1, 1, height=5.2 if smaller else None, sharex=True)
    top = axes[0, 0]
    plot_lines(top, _dates(ts), ts, ["members_full"])
    top.set_title("Full members")
    count_axis(top, "members", from_zero=False)
    if smaller:
        bottom = axes[1, 0]
        plot_lines(bottom, _dates(ts), ts, smaller, first_style=1)
        bottom.set_title("Candidates and applicants")
        count_axis(bottom, "people")
        legend(bottom)
    date_axis(axes[-1, 0])
    return Figure(
        "membership",
        "Membership",
        "Stocks at each recorded date. Candidates are on probation "
        "(up to a year, one extension); applicants await their cell's review or the county's decision.",
        canvas,
    )


def membership_flows(result: Result) -> Figure | Omitted:
    """Entries into and exits from membership per month."""
    held, zeros = nonzero(result.timeseries, FLOWS)
    if not held:
        return Omitted("Recruitment and losses", "no applications, admissions, expulsions or exits were recorded")
    months = per_month(result.timeseries, held)
    if months.empty:
        return Omitted("Recruitment and losses", NO_WHOLE_MONTH)
    canvas, axes = new_canvas()
    ax = axes[0, 0]
    plot_lines(ax, months.index, months, held)
    ax.set_title("Recruitment and losses per month")
    count_axis(ax, "people per month")
    legend(ax)
    date_axis(ax)
    return Figure("flows", "Recruitment and losses", MONTH_NOTE + _zero_note(zeros), canvas)


def _stack_areas(ax, dates, frame: pd.DataFrame, columns: Sequence[str], names: Callable[[str], str]) -> None:
    bottom = np.zeros(len(frame))
    for n, column in enumerate(columns):
        top = bottom + frame[column].to_numpy()
        ax.fill_between(dates, bottom, top, step="post", label=names(column), **series(n).area())
        bottom = top


def _stack_bars(ax, months: pd.DataFrame, columns: Sequence[str], names: Callable[[str], str]) -> None:
    bottom = np.zeros(len(months))
    for n, column in enumerate(columns):
        values = months[column].to_numpy()
        ax.bar(
            months.index,
            values,
            bottom=bottom,
            width=MONTH_BAR_DAYS,
            align="edge",
            label=names(column),
            **series(n).area(),
        )
        bottom = bottom + values


def punishments_by_level(result: Result) -> Figure | Omitted:
    """Members under a standing punishment, stacked from the lightest level up, with amnesty orders marked."""
    ts = result.timeseries
    levels, zeros = nonzero(ts, [f"punished_{level}" for level in STANDING_LEVELS])
    if not levels:
        return Omitted("Punishments by level", "no punished_<level> column has a punished member in it")
    canvas, axes = new_canvas()
    ax = axes[0, 0]
    _stack_areas(ax, _dates(ts), ts, levels, lambda column: label(column.removeprefix("punished_")))
    mark_dates(ax, _amnesties(result))
    ax.set_title("Members under a punishment, by level")
    count_axis(ax, "members punished")
    legend(ax, reverse=True)
    date_axis(ax)
    return Figure(
        "punishments-by-level",
        "Punishments by level",
        "Stock at each recorded date, stacked from the lightest level (bottom) to the heaviest; "
        "dotted lines mark amnesty orders." + _zero_note(zeros),
        canvas,
    )


def punishment_causes(timeseries: pd.DataFrame) -> list[str]:
    """``issued_<cause>`` columns: the ``issued_`` flows that are not per ladder level."""
    by_level = {f"issued_{level}" for level in LEVELS}
    return [c for c in timeseries.columns if c.startswith("issued_") and c not in by_level]


def punishments_by_cause(result: Result) -> Figure | Omitted:
    """Punishments issued per month, stacked by the offence that brought them, with amnesty orders marked."""
    held, zeros = nonzero(result.timeseries, punishment_causes(result.timeseries))
    if not held:
        return Omitted("Punishments by cause", "no issued_<cause> column has a punishment in it")
    months = per_month(result.timeseries, held)
    if months.empty:
        return Omitted("Punishments by cause", NO_WHOLE_MONTH)
    canvas, axes = new_canvas()
    ax = axes[0, 0]
    _stack_bars(ax, months, held, lambda column: label(column.removeprefix("issued_")))
    mark_dates(ax, _amnesties(result))
    ax.set_title("Punishments issued per month, by cause")
    count_axis(ax, "punishments per month")
    legend(ax, reverse=True)
    date_axis(ax)
    return Figure(
        "punishments-by-cause",
        "Punishments by cause",
        MONTH_NOTE + " Dotted lines mark amnesty orders." + _zero_note(zeros),
        canvas,
    )


def _monthly_panels(
    result: Result, name: str, title: str, panels: Sequence[tuple[str, Sequence[str], str]]
) -> Figure | Omitted:
    """Several panels of monthly flows (one per scale), sharing the time axis."""
    drawn = [(heading, *nonzero(result.timeseries, columns), unit) for heading, columns, unit in panels]
    drawn = [(heading, held, zeros, unit) for heading, held, zeros, unit in drawn if held]
    if not drawn:
        return Omitted(
            title,
            "none of its columns has a non-zero count: " + ", ".join(c for _, columns, _ in panels for c in columns),
        )
    months = per_month(result.timeseries, [c for _, held, _, _ in drawn for c in held])
    if months.empty:
        return Omitted(title, NO_WHOLE_MONTH)
    canvas, axes = new_canvas(len(drawn), 1, height=2.6 + 2.2 * len(drawn), sharex=True)
    zeros_all: list[str] = []
    for ax, (heading, held, zeros, unit) in zip(axes[:, 0], drawn):
        plot_lines(ax, months.index, months, held)
        ax.set_title(heading)
        count_axis(ax, unit)
        legend(ax)
        zeros_all += zeros
    date_axis(axes[-1, 0])
    return Figure(name, title, MONTH_NOTE + _zero_note(zeros_all), canvas)


def meetings(result: Result) -> Figure | Omitted:
    """Meetings held per month by body, against the bylaw cadences (monthly cells, quarterly general meetings)."""
    return _monthly_panels(
        result,
        "meetings",
        "Meetings",
        [
            ("Meetings held per month, by body", MEETINGS, "meetings per month"),
        ],
    )


def critiques(result: Result) -> Figure | Omitted:
    """Party Life Critique sessions and findings, then the rarer referrals and life reviews, per month."""
    return _monthly_panels(
        result,
        "critique",
        "Party Life Critique and life reviews",
        [
            ("Critique sessions and findings per month", CRITIQUE_SESSIONS, "per month"),
            ("Referrals to discipline and life reviews per month", CRITIQUE_OUTCOMES, "per month"),
        ],
    )


def _timeline_rows(summary: dict) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Rows of the Congress timeline: (row name, [(start, end or None for a single day)])."""
    rows: list[tuple[str, list[tuple[str, str | None]]]] = []
    cycles = summary.get("congress", [])
    rows.append(("Congress announced", [(c["announce"], None) for c in cycles]))
    rows.append(("assemblies", [(c["assemblies_open"], c["assemblies_close"]) for c in cycles]))
    rows.append(("report deadline", [(c["report_deadline"], None) for c in cycles]))
    levels = dict.fromkeys(conf["level"] for c in cycles for conf in c.get("conferences", []))
    for level in levels:
        rows.append(
            (
                f"{level} conference",
                [(conf["date"], None) for c in cycles for conf in c.get("conferences", []) if conf["level"] == level],
            )
        )
    rows.append(("Congress opens", [(c["congress"], None) for c in cycles]))
    rows.append(("amnesty order", [(order["date"], None) for order in summary.get("amnesty", [])]))
    rows += [(f"campaign: {c['name']}", [(c["start"], c["end"])]) for c in summary.get("campaigns", [])]
    return [(name, spans) for name, spans in rows if spans]


def _span_label(start: pd.Timestamp, end: str | None) -> str:
    """``05 Jan 2021`` for a day; ``12 Oct – 30 Dec 2020`` for a window (the year once when it does not change)."""
    if end is None:
        return start.strftime("%d %b %Y")
    end_ts = pd.Timestamp(end)
    return f"{start.strftime('%d %b' if start.year == end_ts.year else '%d %b %Y')} – {end_ts.strftime('%d %b %Y')}"


def congress_timeline(result: Result) -> Figure | Omitted:
    """The pre-Congress cycle, amnesties and campaigns on the run's time axis (one row per kind of event)."""
    rows = _timeline_rows(result.summary)
    if not rows:
        return Omitted("Congress cycle", "the summary has no congress cycles, amnesty orders or campaigns")
    canvas, axes = new_canvas(height=1.2 + 0.36 * len(rows))
    ax = axes[0, 0]
    for y, (_name, spans) in enumerate(rows):
        style = series(y)
        for start, end in spans:
            start_ts = pd.Timestamp(start)
            if end is None:
                ax.plot(
                    [start_ts],
                    [y],
                    linestyle="none",
                    marker=style.marker,
                    markersize=8,
                    color=style.color,
                    markeredgecolor=INK,
                )
            else:
                days = (pd.Timestamp(end) - start_ts).days + 1
                ax.barh(y, days, left=start_ts, height=0.5, **style.area())
            middle = start_ts if end is None else start_ts + (pd.Timestamp(end) - start_ts) / 2
            ax.annotate(
                _span_label(start_ts, end),
                xy=(middle, y),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color=INK,
            )
    ax.set_yticks(range(len(rows)), [name for name, _ in rows])
    ax.set_ylim(len(rows) - 0.4, -0.8)
    dates = [pd.Timestamp(d) for _, spans in rows for span in spans for d in span if d is not None]
    ax.set_xlim(min(dates) - ACTIVE_MARGIN, max(dates) + ACTIVE_MARGIN)
    ax.set_ylabel("event")
    ax.grid(axis="y", visible=False)
    ax.set_title("Congress cycle, amnesty orders and campaigns")
    date_axis(ax)
    return Figure(
        "congress-timeline",
        "Congress cycle",
        "Markers are one-day events (date above); bars are windows (first and last day above): the "
        "general assemblies of cells and the campaigns whose achievers are preferred as delegates. "
        "The axis covers these events only.",
        canvas,
    )


def _sectors(cycles: list[dict]) -> tuple[list[str], list[str]]:
    """(sectors with a selected delegate in some cycle, sectors with none): a scenario may leave sectors empty."""
    sectors = list(dict.fromkeys(s for c in cycles for s in c.get("by_sector", {})))
    held = [s for s in sectors if any(c.get("by_sector", {}).get(s, 0) for c in cycles)]
    return held, [s for s in sectors if s not in held]


def _route_and_sector_bars(ax_route, ax_sector, cycles: list[dict], sectors: Sequence[str]) -> None:
    """Grouped horizontal bars: one bar per cycle within each route and each of ``sectors``."""
    height = 0.8 / len(cycles)
    for n, cycle in enumerate(cycles):
        offset = n * height - 0.4 + height / 2
        style = series(n).area()
        for ax, names, counts in (
            (ax_route, ROUTES, cycle.get("by_route", {})),
            (ax_sector, sectors, cycle.get("by_sector", {})),
        ):
            bars = ax.barh(
                np.arange(len(names)) + offset,
                [counts.get(name, 0) for name in names],
                height=height,
                label=f"{cycle['name']} Congress",
                **style,
            )
            ax.bar_label(bars, padding=2, fontsize=8)
    for ax, names, title in (
        (ax_route, ROUTES, "Selected delegates by route"),
        (ax_sector, sectors, "Selected delegates by sector"),
    ):
        ax.set_yticks(range(len(names)), [label(name) for name in names])
        ax.invert_yaxis()
        ax.set_xlabel("delegates")
        ax.set_title(title)
        ax.grid(axis="y", visible=False)
    ax_route.set_ylabel("route")
    ax_sector.set_ylabel("sector")
    if len(cycles) > 1:
        legend(ax_sector)


def delegates(result: Result) -> Figure | Omitted:
    """The delegate pool and the selected delegates over time, then who was selected: by route and by sector.

    Pool and selected delegates get a panel each: the selected are a few dozen out of thousands recommended,
    a flat line at zero on the pool's scale.
    """
    ts = result.timeseries
    held, _ = nonzero(ts, DELEGATE_STOCKS)
    cycles = [c for c in result.summary.get("congress", []) if "by_route" in c or "by_sector" in c]
    if not held and not cycles:
        return Omitted("Congress delegates", "no delegate pool was formed and the summary has no congress cycles")
    layout = ([held if len(held) == 2 else held * 2] if held else []) + ([["route", "sector"]] if cycles else [])
    canvas, axes = new_mosaic(layout, height=3.4 * len(layout))
    zoomed = False
    for n, column in enumerate(held):
        ax = axes[column]
        plot_lines(ax, _dates(ts), ts, [column], first_style=n, step=True)
        ax.set_title(label(column).capitalize())
        count_axis(ax, "members")
        zoomed = zoom_to_activity(ax, ts["date"], ts[held])  # both panels over the same weeks
        date_axis(ax, maxticks=6)
    sectors, empty = _sectors(cycles)
    if cycles:
        _route_and_sector_bars(axes["route"], axes["sector"], cycles, sectors)
    return Figure(
        "delegates",
        "Congress delegates",
        "The pool holds the members recommended by their cells' general assemblies until the Congress; "
        "routes: ex officio seats, ordinary selection, campaign achievers, personal ties, bribery."
        + (" The time axis covers the weeks the pool exists." if zoomed else "")
        + (f" No delegate from (not drawn): {', '.join(label(s) for s in empty)}." if empty else ""),
        canvas,
    )
