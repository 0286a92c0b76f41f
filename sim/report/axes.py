"""Time axes shared by the run and comparison figures: dates, calendar months, dated events.

A run records one row per ``record_every`` (weekly by default) whose flows are
counts since the previous row. Weekly counts of rare events (a punishment, a
general meeting) are mostly zeros and unreadable, so flow figures add them up
per calendar month; stocks are drawn at every recorded date.

Weeks do not fit months: adding up the rows dated in a month gives months of
four or five weeks, and a monthly cadence (every cell meets once a month)
would zig-zag by a quarter. So each row's counts are shared out evenly over
the days it covers before they are added up by month, and the partial months
at either end of the run, which would look like a collapse, are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.model.arrays import concatenated_ranges
from sim.report.palette import INK, series

MONTH_NOTE = (
    "Counts per calendar month (each recorded period's counts shared evenly over its days); "
    "the partial months at the start and end of the run are not drawn."
)
#: Why a monthly figure is missing when the run is too short for one.
NO_WHOLE_MONTH = "the run covers no whole calendar month"
#: A series drawn over its active dates only is given this much room on either side.
ACTIVE_MARGIN = pd.Timedelta(days=20)


def present(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The ``columns`` the frame has, in the order asked."""
    return [column for column in columns if column in frame.columns]


def nonzero(frame: pd.DataFrame, columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split present ``columns`` into those with any non-zero value and those that stay at zero."""
    columns = present(frame, columns)
    held = [column for column in columns if frame[column].abs().sum() > 0]
    return held, [column for column in columns if column not in held]


def per_month(timeseries: pd.DataFrame, flows: Sequence[str]) -> pd.DataFrame:
    """Flow columns per calendar month the run covers entirely, indexed by the first day of the month.

    Row i's counts happened on days ``[day[i-1], day[i])`` (the first row's, if any, on its own day): each
    day gets an even share, and the days are added up by month. Empty for a run shorter than a month.
    """
    days = timeseries["day"].to_numpy()
    starts = np.concatenate([days[:1], days[:-1]])
    lengths = np.maximum(days - starts, 1)
    covered = concatenated_ranges(starts, lengths)
    shares = np.repeat(timeseries[list(flows)].to_numpy(dtype=float) / lengths[:, None], lengths, axis=0)
    day_zero = pd.Timestamp(timeseries["date"].iloc[0]) - pd.Timedelta(days=int(days[0]))
    dates = day_zero + pd.to_timedelta(covered, unit="D")
    months = pd.DataFrame(shares, columns=list(flows)).groupby(dates.to_period("M")).sum()
    whole = (months.index.start_time >= dates.min()) & (months.index.end_time.normalize() <= dates.max())
    months = months[whole]
    months.index = months.index.to_timestamp()
    return months


def date_axis(ax: Axes, maxticks: int = 10) -> None:
    """Concise date ticks (years written once, months in between) and the axis label; fewer ticks for narrow panels."""
    locator = AutoDateLocator(minticks=3, maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel("date")


def count_axis(ax: Axes, unit: str, from_zero: bool = True) -> None:
    """A y axis of counts: from zero (unless the point is a trend far above it), whole-number ticks, its unit."""
    if from_zero:
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    grouped_ticks(ax.yaxis)
    ax.set_ylabel(unit)


def _grouped(value: float, _position: int | None = None) -> str:
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    return text.replace("-", "\N{MINUS SIGN}")  # the typographic minus of matplotlib's own tick labels


def grouped_ticks(axis: Axis) -> None:
    """Tick labels with thousands separators, as in the report's tables (28,000, not 28000); small values as is."""
    axis.set_major_formatter(FuncFormatter(_grouped))


def zoom_to_activity(ax: Axes, dates: pd.Series, values: pd.DataFrame) -> bool:
    """Narrow the x axis to the dates where any of ``values`` is non-zero, if that is under half the span.

    A stock that exists for a few weeks of a five-year run (the delegate pool of one Congress cycle) is
    otherwise a spike at the edge of an empty plot. Returns whether the axis was narrowed.
    """
    active = pd.to_datetime(dates[(values != 0).any(axis=1).to_numpy()])
    span = pd.to_datetime(dates).max() - pd.to_datetime(dates).min()
    if active.empty or active.max() - active.min() >= span / 2:
        return False
    ax.set_xlim(active.min() - ACTIVE_MARGIN, active.max() + ACTIVE_MARGIN)
    return True


def legend(ax: Axes, reverse: bool = False) -> None:
    """The legend right of the plot, where it never hides data; ``reverse`` lists stacks top first."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), reverse=reverse)


def plot_lines(
    ax: Axes, x, frame: pd.DataFrame, columns: Sequence[str], first_style: int = 0, step: bool = False
) -> None:
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
        ax.annotate(
            name,
            xy=(when, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=8,
            color=INK,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )


def label(column: str) -> str:
    """A column name as a legend entry: ``members_full`` → ``members full``."""
    return column.replace("_", " ")
