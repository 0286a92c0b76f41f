"""Figures of a calibration: fit per target, optimisation history, importances, profiles.

They read the calibration's tables (``fit.parquet``, ``trials.parquet``,
``importances.parquet``), never the run directories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.report.figures import Figure, Omitted, new_canvas, panel_grid
from sim.report.palette import INK, series

#: Profiles are drawn for this many parameters at most (the tables hold them all).
MAX_PROFILES = 9
#: The best trials highlighted in the profiles.
BEST_SHARE = 0.1


def fit_per_target(fit: pd.DataFrame) -> Figure | Omitted:
    """Each figure's simulated value over the observed one (1 = exact), with the interval of single runs."""
    if fit is None or fit.empty:
        return Omitted("Fit per target", "fit.parquet is missing or empty")
    rows = fit.reset_index(drop=True)
    labels = [f"{t}: {c}" if c else t for t, c in zip(rows["target"], rows["component"])]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = rows["simulated_mean"] / rows["observed"]
        low, high = rows["run_low"] / rows["observed"], rows["run_high"] / rows["observed"]
    canvas, axes = new_canvas(height=1.2 + 0.28 * len(rows))
    ax = axes[0, 0]
    y = np.arange(len(rows))[::-1]
    for n, sample in enumerate(rows["sample"].unique()):
        mask = (rows["sample"] == sample).to_numpy()
        style = series(n)
        ax.errorbar(
            ratio[mask],
            y[mask],
            xerr=np.nan_to_num(np.vstack([ratio[mask] - low[mask], high[mask] - ratio[mask]]).clip(min=0)),
            fmt=style.marker,
            color=style.color,
            ecolor=INK,
            elinewidth=0.7,
            capsize=2,
            markersize=4,
            label=sample,
        )
    ax.axvline(1.0, color=INK, linewidth=1.0, linestyle="--", label="observed")
    ax.set_yticks(y, labels, fontsize=7.5)
    ax.set_xlabel("simulated / observed")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), fontsize=7.5, ncols=3)
    return Figure(
        "fit-per-target",
        "Fit per target",
        "Each row a published figure (a composition: one row per category). Marker: the simulated mean over "
        "the replications divided by the observed figure (dashed line: the observed value, 1); bar: the 2.5-97.5 % "
        "range of single runs. In-sample rows are the best trial's fit; out-of-sample rows are held-out figures "
        "predicted by the best scenario with fresh seeds.",
        canvas,
    )


def history(trials: pd.DataFrame) -> Figure | Omitted:
    """The objective of every trial and the best so far, in trial order."""
    per_trial = _per_trial(trials)
    if per_trial.empty:
        return Omitted("Optimisation history", "no finished trial")
    canvas, axes = new_canvas()
    ax = axes[0, 0]
    ax.plot(per_trial["trial"], per_trial["objective"], **series(0).line() | {"linestyle": "none"}, label="trial")
    ax.plot(per_trial["trial"], per_trial["objective"].cummax(), color=INK, linewidth=1.2, label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("log-likelihood (sum over fit targets)")
    _clip_low(ax, per_trial["objective"])
    ax.legend(fontsize=7.5)
    return Figure(
        "history",
        "Optimisation history",
        "Objective of each trial and the best so far. A flat best-so-far line over the last trials is the "
        "plateau that says the budget was enough. Very poor trials are cut off at the bottom.",
        canvas,
    )


def importance_bars(importances: pd.DataFrame | None) -> Figure | Omitted:
    if importances is None or importances.empty:
        return Omitted("Parameter importances", "fANOVA needs scikit-learn and at least a few finished trials")
    rows = importances.sort_values("importance")
    canvas, axes = new_canvas(height=1.2 + 0.35 * len(rows))
    ax = axes[0, 0]
    ax.barh(rows["parameter"], rows["importance"], color=series(0).color)
    ax.set_xlabel("fANOVA importance (share of the objective's variance)")
    return Figure(
        "importances",
        "Parameter importances",
        "Optuna's fANOVA: how much of the variation of the objective over the trials each parameter explains.",
        canvas,
    )


def profiles(trials: pd.DataFrame, parameters: list[str], specs: dict) -> Figure | Omitted:
    """Objective against each parameter; the best trials highlighted (a narrow ridge: well identified)."""
    per_trial = _per_trial(trials)
    if per_trial.empty:
        return Omitted("Profiles", "no finished trial")
    parameters = parameters[:MAX_PROFILES]
    canvas, axes = panel_grid(len(parameters), 3, row_height=2.6)
    cut = per_trial["objective"].quantile(1 - BEST_SHARE)
    best = per_trial["objective"] >= cut
    for ax, parameter in zip(axes, parameters):
        ax.scatter(per_trial[parameter], per_trial["objective"], s=8, color=series(0).color, label="trial")
        ax.scatter(
            per_trial.loc[best, parameter],
            per_trial.loc[best, "objective"],
            s=18,
            color=series(1).color,
            marker=series(1).marker,
            label=f"best {BEST_SHARE:.0%}",
        )
        if specs.get(parameter, {}).get("log"):
            ax.set_xscale("log")
        _clip_low(ax, per_trial["objective"])
        ax.set_xlabel(parameter, fontsize=8)
        ax.set_ylabel("log-likelihood")
    axes[0].legend(fontsize=7.5)
    return Figure(
        "profiles",
        "Profiles of the best trials",
        "Objective of every trial against each parameter; the best trials are highlighted. Where they gather in a "
        "narrow range the figures identify the parameter; where they spread over the range they do not.",
        canvas,
    )


def _per_trial(trials: pd.DataFrame | None) -> pd.DataFrame:
    if trials is None:
        return pd.DataFrame(columns=["trial", "objective"])
    ok = trials[(trials["status"] == "ok") & np.isfinite(trials["objective"])]
    return ok.drop_duplicates("trial").sort_values("trial")


def _clip_low(ax, values: pd.Series) -> None:
    """Show the upper part of the objective: trials far below the best would flatten the rest."""
    top, median = values.max(), values.median()
    if np.isfinite(top) and np.isfinite(median) and top > median:
        ax.set_ylim(bottom=median - (top - median), top=top + 0.05 * (top - median))
