"""Figures of a what-if comparison: differences from the base with CIs (forest plot), time series with bands.

Outcomes of a comparison have different units (members, punishments,
meetings), so the forest plot is a set of small panels, one per outcome,
each with its own axis in that outcome's units; within a panel every variant
is a marker with its 95% CI, filled when the difference is significant
(Benjamini–Hochberg adjusted p-value below 5%, see :func:`significant`). Outcomes whose
difference and CI are exactly zero for every variant (mechanisms the variants
do not touch, thanks to common random numbers) are listed, not drawn.

The time series come from the replication run directories
(``runs/<label>/<replication>/``): the line is the mean over replications
and the band their range, so one sees both the shift and the run-to-run
spread it has to beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.report.axes import date_axis, grouped_ticks, label, zoom_to_activity
from sim.report.figures import Figure, Omitted, panel_grid
from sim.report.palette import INK, series
from sim.run.result import read_table

#: Columns always worth a look when a comparison's runs have them.
KEY_COLUMNS = ("members_full", "members_candidate", "punished_total", "delegate_pool")
#: Outcome reducers whose column is a stock (drawn as is); ``sum`` columns are flows (drawn cumulated).
STOCK_REDUCERS = ("final", "initial", "change", "max", "min", "mean")
MAX_SERIES_PANELS = 6
PANEL_COLUMNS = 3


#: False discovery rate of the significance marks (as sim.many.compare.FDR, which this layer may not import).
FDR = 0.05


def significant(row) -> bool:
    """Significant after the Benjamini–Hochberg adjustment; a comparison written before it has only raw CIs."""
    adjusted = getattr(row, "p_adjusted", None)
    if adjusted is None:
        return row.ci_low > 0 or row.ci_high < 0
    return bool(pd.notna(adjusted) and adjusted < FDR)


def forest(table: pd.DataFrame, variants: Sequence[str]) -> Figure | Omitted:
    """One panel per outcome: each variant's mean difference from the base with its 95% CI."""
    if table.empty:
        return Omitted("Differences from the base", "comparison.parquet has no rows")
    moved = table.groupby("outcome", sort=False)[["diff_mean", "ci_low", "ci_high"]].apply(
        lambda rows: bool(np.any(rows.fillna(0).to_numpy() != 0))
    )
    outcomes = [o for o in moved.index if moved[o]]
    unmoved = [o for o in moved.index if not moved[o]]
    if not outcomes:
        return Omitted("Differences from the base", "every difference is exactly zero: " + ", ".join(unmoved))
    canvas, axes = panel_grid(len(outcomes), PANEL_COLUMNS, row_height=0.7 + 0.35 * len(variants))
    for ax, outcome in zip(axes, outcomes):
        rows = table[table["outcome"] == outcome].set_index("variant").reindex(list(variants))
        for n, (_variant, row) in enumerate(rows.iterrows()):
            style = series(n + 1)
            marked = significant(row)
            ax.errorbar(
                [row["diff_mean"]],
                [n],
                xerr=[[row["diff_mean"] - row["ci_low"]], [row["ci_high"] - row["diff_mean"]]],
                fmt=style.marker,
                color=style.color,
                ecolor=style.color,
                capsize=3,
                markersize=6,
                markeredgecolor=INK,
                markerfacecolor=style.color if marked else "white",
            )
        ax.axvline(0, color=INK, linewidth=0.9, linestyle="--")
        ax.set_yticks(range(len(variants)), list(variants))
        ax.set_ylim(len(variants) - 0.5, -0.5)
        ax.set_title(outcome.split(":")[-1], fontsize=9)
        ax.set_xlabel("variant − base")
        grouped_ticks(ax.xaxis)
        ax.grid(axis="y", visible=False)
    for ax in axes:
        spec = ax.get_subplotspec()
        if spec is not None and spec.is_first_col():
            ax.set_ylabel("variant")
        else:
            ax.tick_params(labelleft=False)
    canvas.suptitle("Difference from the base per outcome (mean, 95% CI)", fontweight="bold")
    note = f" No difference at all (not drawn): {', '.join(unmoved)}." if unmoved else ""
    return Figure(
        "differences",
        "Differences from the base",
        "Each panel is one outcome in its own units; markers are filled where the difference is significant "
        f"(Benjamini–Hochberg adjusted p below {FDR:.0%}), hollow where it is not.{note}",
        canvas,
    )


def series_columns(outcomes: dict[str, str], available: Sequence[str]) -> tuple[list[str], list[str]]:
    """(stocks, flows) to draw: key stocks plus the columns the outcomes are read from."""
    stocks = [c for c in KEY_COLUMNS if c in available]
    flows: list[str] = []
    for expression in outcomes.values():
        reducer, _, column = expression.partition(":")
        if column not in available:
            continue
        if reducer in STOCK_REDUCERS and column not in stocks:
            stocks.append(column)
        elif reducer == "sum" and column not in flows:
            flows.append(column)
    return stocks, flows


def replications(directory: Path, arm: str) -> pd.DataFrame | None:
    """Every finished replication of one arm (``runs/<arm>/<replication>/``) stacked, with a ``replication`` column."""
    frames = [
        read_table(run / "timeseries").assign(replication=run.name)
        for run in sorted((directory / "runs" / arm).glob("*/"))
        if (run / "manifest.json").is_file()
    ]
    return pd.concat(frames, ignore_index=True) if frames else None


def time_series(arms: dict[str, pd.DataFrame], stocks: Sequence[str], flows: Sequence[str]) -> Figure | Omitted:
    """Base and variants over time: mean over replications, band = range over replications; flows cumulated."""
    panels = [(c, False) for c in stocks] + [(c, True) for c in flows]
    panels = panels[:MAX_SERIES_PANELS]
    if not arms or not panels:
        return Omitted("Base and variants over time", "no replication run directory with these columns was found")
    canvas, axes = panel_grid(len(panels), 2, row_height=2.6)
    zoomed = []
    for ax, (column, cumulate) in zip(axes, panels):
        extremes = []
        for n, (name, frame) in enumerate(arms.items()):
            if column not in frame:
                continue
            values = frame.assign(value=frame.groupby("replication")[column].cumsum() if cumulate else frame[column])
            by_date = values.groupby("date")["value"].agg(["mean", "min", "max"])
            style = series(n)
            ax.plot(by_date.index, by_date["mean"], label=name, **style.line())
            ax.fill_between(by_date.index, by_date["min"], by_date["max"], color=style.color, alpha=0.15, linewidth=0)
            extremes.append(by_date[["min", "max"]])
        if extremes:
            spread = pd.concat(extremes, axis=1)  # every arm's lowest and highest replication, by date
            if zoom_to_activity(ax, spread.index.to_series(), spread):
                zoomed.append(label(column))
        ax.set_title(("cumulative " if cumulate else "") + label(column), fontsize=9)
        ax.set_ylabel("count since start" if cumulate else "people")
        grouped_ticks(ax.yaxis)
        date_axis(ax, maxticks=5)
    handles, names = axes[0].get_legend_handles_labels()
    canvas.legend(handles, names, loc="outside lower center", ncols=len(names))
    canvas.suptitle("Base and variants over time (mean and range over replications)", fontweight="bold")
    return Figure(
        "time-series",
        "Base and variants over time",
        "Lines: mean over replications; bands: lowest to highest replication at each date. "
        "Flows are cumulated from the start of the run."
        + (f" Drawn only around the dates where they are not zero: {', '.join(zoomed)}." if zoomed else ""),
        canvas,
    )
