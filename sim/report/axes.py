"""Time axes shared by the run and comparison figures: dates, calendar months, dated events.

A run records one row per ``record_every`` (weekly by default) whose flows are
counts since the previous row. Weekly counts of rare events (a punishment, a
general meeting) are mostly zeros and unreadable, so flow figures add them up
per calendar month; stocks are drawn at every recorded date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import MaxNLocator

from sim.report.palette import INK, series

MONTH_NOTE = "Counts per calendar month (the first and last months of the run may be partial)."


def present(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The ``columns`` the frame has, in the order asked."""
    return [column for column in columns if column in frame.columns]


def nonzero(frame: pd.DataFrame, columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split present ``columns`` into those with any non-zero value and those that stay at zero."""
    columns = present(frame, columns)
    held = [column for column in columns if frame[column].abs().sum() > 0]
    return held, [column for column in columns if column not in held]


def per_month(timeseries: pd.DataFrame, flows: Sequence[str]) -> pd.DataFrame:
    """Flow columns summed per calendar month, indexed by the first day of the month."""
    months = pd.to_datetime(timeseries["date"]).dt.to_period("M").dt.to_timestamp()
    return timeseries[list(flows)].groupby(months.values).sum()


def date_axis(ax: Axes, maxticks: int = 10) -> None:
    """Concise date ticks (years written once, months in between) and the axis label; fewer ticks for narrow panels."""
    locator = AutoDateLocator(minticks=3, maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel("date")


def count_axis(ax: Axes, unit: str) -> None:
    """A y axis of counts: starts at zero, whole-number ticks, labelled with its unit."""
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(unit)


def legend(ax: Axes, reverse: bool = False) -> None:
    """The legend right of the plot, where it never hides data; ``reverse`` lists stacks top first."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), reverse=reverse)


def plot_lines(ax: Axes, x, frame: pd.DataFrame, columns: Sequence[str], first_style: int = 0, step: bool = False) -> None:
    """One line per column, each with its own colour, dash and marker (legend label = column name)."""
    for n, column in enumerate(columns):
        style = series(first_style + n).line()
        if step:
            ax.step(x, frame[column], where="post", label=label(column), **style)
        else:
            ax.plot(x, frame[column], label=label(column), **style)


def mark_dates(ax: Axes, events: Iterable[tuple[dt.date | str, str]]) -> None:
    """Vertical dotted lines at dated events (amnesty orders...) with their names along the line."""
    for when, name in events:
        when = pd.Timestamp(when)
        ax.axvline(when, color=INK, linestyle=(0, (1, 2)), linewidth=1.1, zorder=0.5)
        ax.annotate(name, xy=(when, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                    textcoords="offset points", rotation=90, va="top", ha="left", fontsize=8, color=INK,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})


def label(column: str) -> str:
    """A column name as a legend entry: ``members_full`` → ``members full``."""
    return column.replace("_", " ")
