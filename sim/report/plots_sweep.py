"""Figures of a sweep: each outcome against each parameter, heat maps of two-parameter grids, sensitivity indices.

They read the sweep's tidy tables (``summary.parquet``: one row per design
point and outcome with the mean over replications and its 95% CI;
``sensitivity.parquet``: Sobol'/Morris indices), never the run directories,
so a report of a thousand-run sweep takes seconds.

How an outcome is drawn against a parameter depends on the design: on a grid
the other parameter (if there is one) is held at each of its levels, giving
one line per level with its CI band; in a sampled design (random, Latin
hypercube, Sobol', Morris) every point differs in every parameter, so points
are drawn as a scatter with CI bars and no line joins them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.report.axes import grouped_ticks
from sim.report.figures import Figure, Omitted, new_canvas, panel_grid
from sim.report.html import cell
from sim.report.palette import INK, series

#: Small multiples beyond this many outcomes or parameters are cut (the tables hold them all).
MAX_PANELS_PER_SIDE = 6
#: A grid's second parameter is drawn as separate lines up to this many levels.
MAX_LINES = 6
#: Colour map of heat maps: cividis is perceptually uniform, colour-blind safe, and its lightness rises monotonically (greyscale-safe).
HEAT_MAP = "cividis"


def _is_log(specs: dict, parameter: str) -> bool:
    return bool(specs.get(parameter, {}).get("log"))


def _line_with_band(ax, frame: pd.DataFrame, x: str, n: int, name: str | None) -> None:
    frame = frame.sort_values(x)
    style = series(n)
    ax.plot(frame[x], frame["mean"], label=name, **style.line() | {"markevery": 1})
    ax.fill_between(frame[x], frame["ci_low"], frame["ci_high"], color=style.color, alpha=0.18, linewidth=0)


def _scatter_with_bars(ax, frame: pd.DataFrame, x: str) -> None:
    style = series(0)
    error = np.vstack([frame["mean"] - frame["ci_low"], frame["ci_high"] - frame["mean"]])
    ax.errorbar(
        frame[x],
        frame["mean"],
        yerr=np.nan_to_num(error),
        fmt=style.marker,
        color=style.color,
        ecolor=INK,
        elinewidth=0.7,
        capsize=2,
        markersize=4,
        label="design point (mean, 95% CI)",
    )


def outcome_vs_parameters(
    summary: pd.DataFrame, parameters: Sequence[str], outcomes: Sequence[str], design: str, specs: dict
) -> Figure | Omitted:
    """One panel per (outcome, parameter): means with 95% CIs against the parameter's value."""
    summary = summary[np.isfinite(summary["mean"])]
    if summary.empty:
        return Omitted("Outcomes against parameters", "no design point has a finished run")
    parameters, outcomes = list(parameters)[:MAX_PANELS_PER_SIDE], list(outcomes)[:MAX_PANELS_PER_SIDE]
    canvas, axes = new_canvas(len(outcomes), len(parameters), height=1.4 + 2.3 * len(outcomes))
    for row, outcome in enumerate(outcomes):
        rows = summary[summary["outcome"] == outcome]
        for col, parameter in enumerate(parameters):
            ax = axes[row, col]
            others = [p for p in parameters if p != parameter]
            if design != "grid" or len(others) > 1:
                _scatter_with_bars(ax, rows, parameter)
            elif not others:
                _line_with_band(ax, rows, parameter, 0, "mean, 95% CI band")
            else:
                levels = sorted(rows[others[0]].unique())[:MAX_LINES]
                for n, level in enumerate(levels):
                    _line_with_band(ax, rows[rows[others[0]] == level], parameter, n, f"{others[0]} = {level:g}")
            if _is_log(specs, parameter):
                ax.set_xscale("log")
            if (rows["mean"] >= 0).all():
                ax.set_ylim(bottom=max(ax.get_ylim()[0], 0))
            grouped_ticks(ax.yaxis)
            ax.set_xlabel(parameter)
            ax.set_ylabel(outcome)
    if design == "grid":
        for ax in axes[0]:
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), fontsize=7.5)  # above each column: its own lines
    kind = (
        "lines per level of the other parameter, bands: 95% CI over replications"
        if design == "grid"
        else "each marker is a design point (mean over replications), bars: 95% CI"
    )
    return Figure(
        "outcomes-vs-parameters",
        "Outcomes against parameters",
        f"Rows: outcomes; columns: parameters ({kind}). Points with one replication have no interval. "
        "Outcomes whose means are all non-negative (counts) are drawn from zero up: an interval reaching "
        "below zero (few replications) is cut at zero.",
        canvas,
    )


def heat_maps(
    summary: pd.DataFrame, parameters: Sequence[str], outcomes: Sequence[str], design: str, specs: dict
) -> Figure | Omitted:
    """Mean of each outcome over a two-parameter grid, one annotated heat map per outcome."""
    if design != "grid" or len(parameters) != 2:
        return Omitted("Heat maps", "heat maps are drawn for grid designs over exactly two parameters")
    x, y = parameters
    outcomes = list(outcomes)[:MAX_PANELS_PER_SIDE]
    canvas, axes = panel_grid(len(outcomes), 2, row_height=3.2)
    for ax, outcome in zip(axes, outcomes):
        table = summary[summary["outcome"] == outcome].pivot_table(index=y, columns=x, values="mean", dropna=False)
        image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap=HEAT_MAP)
        ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
        ax.grid(False)
        means = table.to_numpy(dtype=float)
        shades = np.asarray(image.norm(means), dtype=float)
        for (i, j), value in np.ndenumerate(means):
            text = "failed" if np.isnan(value) else cell(value)
            shade = float(shades[i, j]) if np.isfinite(value) else 1.0
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if shade < 0.55 else "black")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(outcome)
        grouped_ticks(canvas.colorbar(image, ax=ax, label=f"mean {outcome}").ax.yaxis)
    return Figure(
        "heat-maps",
        "Heat maps over the grid",
        "Mean over replications at each grid point (cividis colour map: lighter is higher, also in greyscale).",
        canvas,
    )


def sensitivity_bars(indices: pd.DataFrame | None, design: str) -> Figure | Omitted:
    """Sobol' (S1, ST) or Morris (mu*, sigma) indices per parameter, one panel per outcome, with 95% CIs."""
    if design not in ("sobol", "morris"):
        return Omitted("Sensitivity indices", f"a {design} design gives no sensitivity indices (use sobol or morris)")
    if indices is None or indices.empty:
        return Omitted(
            "Sensitivity indices",
            "sensitivity.parquet is missing or empty "
            "(SALib needs a finished run at every design point; see the failed runs below)",
        )
    kinds = ["S1", "ST"] if design == "sobol" else ["mu_star", "sigma"]
    indices = indices[indices["index"].isin(kinds)]
    outcomes = list(dict.fromkeys(indices["outcome"]))[:MAX_PANELS_PER_SIDE]
    parameters = list(dict.fromkeys(indices["parameter"]))
    canvas, axes = panel_grid(len(outcomes), 1, row_height=0.8 + 0.45 * len(parameters))  # full width: long names
    height = 0.8 / len(kinds)
    for ax, outcome in zip(axes, outcomes):
        rows = indices[indices["outcome"] == outcome].set_index(["index", "parameter"])
        for n, kind in enumerate(kinds):
            values = rows.loc[kind].reindex(parameters)
            error = np.vstack([values["value"] - values["ci_low"], values["ci_high"] - values["value"]])
            ax.barh(
                np.arange(len(parameters)) + (n - (len(kinds) - 1) / 2) * height,
                values["value"],
                height=height,
                xerr=np.nan_to_num(np.abs(error)),
                error_kw={"ecolor": INK, "capsize": 2, "elinewidth": 0.8},
                label=kind.replace("_star", "*"),
                **series(n).area(),
            )
        ax.set_yticks(range(len(parameters)), parameters)
        ax.invert_yaxis()
        ax.axvline(0, color=INK, linewidth=0.8)
        ax.set_xlabel("index (share of variance)" if design == "sobol" else "elementary effect (outcome units)")
        ax.set_ylabel("parameter")
        ax.set_title(outcome)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right")
    explanation = (
        "S1: share of the outcome's variance due to the parameter alone; ST: including its interactions."
        if design == "sobol"
        else "mu*: mean absolute effect of moving the parameter across its range; sigma: spread of that effect "
        "(non-linearity or interactions)."
    )
    return Figure("sensitivity", "Sensitivity indices", explanation + " Bars: 95% CI (SALib).", canvas)
