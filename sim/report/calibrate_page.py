"""The report of a calibration: what was fitted, the fit per target beside the held-out prediction, the search.

In-sample and out-of-sample rows are labelled in every table and figure: a good
in-sample fit says the parameters can reproduce the figures they were fitted to;
only the out-of-sample rows say whether the model predicts figures it never saw.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.report import plots_calibrate
from sim.report.html import Page, Section, Table, cell


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def headline(meta: dict) -> Table:
    best = meta.get("best", {})
    rows = [
        ("calibration", meta.get("name")),
        ("description", meta.get("description") or None),
        ("base scenario", meta.get("base")),
        ("validation scenario", meta.get("validate_base")),
        ("sampler", meta.get("sampler")),
        ("trials", meta.get("trials")),
        ("trials failed", meta.get("failed")),
        ("replications per trial (same seeds in every trial)", meta.get("replications")),
        ("batch (trials proposed together)", meta.get("batch")),
        ("seed", str(meta.get("seed"))),
        ("best trial", best.get("trial")),
        ("best log-likelihood", best.get("objective")),
        ("executor", meta.get("executor")),
        ("wall time (s)", meta.get("wall_seconds")),
    ]
    return Table("Calibration", ["", "value"], [[name, cell(value)] for name, value in rows if value is not None])


def parameters_table(meta: dict, importances: pd.DataFrame | None) -> Table:
    specs, best = meta.get("parameter_specs", {}), meta.get("best", {}).get("params", {})
    weight = {} if importances is None else dict(zip(importances["parameter"], importances["importance"]))
    return Table(
        "Parameters",
        ["scenario field", "range", "fitted value", "fANOVA importance"],
        [
            [
                name,
                ", ".join(f"{k}: {v}" for k, v in specs.get(name, {}).items()),
                cell(best.get(name)),
                cell(weight.get(name)),
            ]
            for name in meta.get("parameters", [])
        ],
        "The fitted value is the best trial's; best.yaml holds it as a runnable scenario.",
    )


def fit_table(fit: pd.DataFrame | None) -> Table | str:
    if fit is None or fit.empty:
        return "fit.parquet is missing."
    return Table(
        "Fit per target",
        [
            "sample",
            "target",
            "component",
            "observed",
            "simulated",
            "runs 2.5-97.5 %",
            "standardized error",
            "log-lik.",
            "source",
        ],
        [
            [
                r["sample"],
                r["target"],
                r["component"],
                cell(r["observed"]),
                cell(r["simulated_mean"]),
                f"{cell(r['run_low'])} – {cell(r['run_high'])}",
                cell(r["standardized_error"]),
                cell(r["loglik"]),
                r["source"],
            ]
            for _, r in fit.iterrows()
        ],
        "Simulated: mean over replications, on the observed figure's scale (a share × the observed total for "
        "binomial and composition targets). Standardized error: (observed − simulated) / sd of the likelihood "
        "at the simulated value. Out-of-sample rows come from fresh seeds and never entered the objective. "
        "A composition's log-likelihood is the target's, repeated on each category.",
        wide=True,
    )


def calibration_page(directory: Path) -> Page:
    meta = json.loads((directory / "calibration.json").read_text(encoding="utf-8"))
    fit, trials = _read(directory / "fit.parquet"), _read(directory / "trials.parquet")
    importances = _read(directory / "importances.parquet")
    return Page(
        title=f"Calibration report: {meta.get('name', directory.name)}",
        subtitle=f"{meta.get('trials')} trials × {meta.get('replications')} replications, "
        f"{meta.get('sampler')} sampler, seed {meta.get('seed')}; directory {directory}",
        sections=[
            Section("Headline", [headline(meta), parameters_table(meta, importances)]),
            Section("Fit and held-out prediction", [plots_calibrate.fit_per_target(fit), fit_table(fit)]),
            Section(
                "Search",
                [
                    plots_calibrate.history(trials),
                    plots_calibrate.importance_bars(importances),
                    plots_calibrate.profiles(trials, meta.get("parameters", []), meta.get("parameter_specs", {})),
                ],
            ),
        ],
    )
