"""The report of a sweep: what was swept (sweep.json), outcomes against parameters, sensitivity, failed runs.

A sweep with failed runs still gets its report: failed points are missing
from the figures, and the failed-runs table says which runs failed and why,
so that the user can fix the model or the range and ``--resume``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.report import plots_sweep
from sim.report.figures import Omitted
from sim.report.html import Page, Section, Table, cell

FAILED = "failed"
#: A failed run's error message is cut to this many characters in the table (the full text is in runs.parquet).
ERROR_CHARS = 300


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def replications_text(replications) -> str:
    """A fixed count as is; ``{precision, max, ...}`` as the rule it is (sim.many.precision)."""
    if not isinstance(replications, dict):
        return str(replications)
    unit = "" if replications.get("absolute") else " of |mean|"
    return f"{replications.get('start')} to {replications.get('max')} (to a half-width of {replications.get('precision')}{unit})"


def headline(meta: dict) -> Table:
    """What the sweep was: design, size, seed, where its base scenario is, how long it took."""
    counts = meta.get("counts", {})
    rows = [
        ("sweep", meta.get("name")),
        ("description", meta.get("description") or None),
        ("base scenario", meta.get("base")),
        ("design", meta.get("design")),
        ("samples", meta.get("samples")),
        ("design points", meta.get("points")),
        ("replications per point", replications_text(meta.get("replications"))),
        ("runs", meta.get("runs")),
        ("runs finished", counts.get("done")),
        ("runs failed", counts.get("failed")),
        ("seed", str(meta["seed"])),
        ("status", meta.get("status")),
        ("executor", meta.get("executor")),
        ("wall time (s)", meta.get("wall_seconds")),
    ]
    return Table("Sweep", ["", "value"], [[name, cell(value)] for name, value in rows if value is not None])


def parameters_table(meta: dict) -> Table:
    """Each swept scenario field with its values, range or distribution as written in the spec."""
    specs = meta.get("parameter_specs", {})
    return Table(
        "Parameters",
        ["scenario field", "values / range"],
        [[name, ", ".join(f"{k}: {v}" for k, v in specs.get(name, {}).items())] for name in meta["parameters"]],
    )


def outcomes_table(meta: dict) -> Table:
    """Each outcome's name and the expression it is read with (see ``sim.many.outcomes``)."""
    return Table(
        "Outcomes", ["outcome", "expression"], [[name, expr] for name, expr in meta.get("outcomes", {}).items()]
    )


def failed_runs(runs: pd.DataFrame | None, parameters: list[str]) -> Table | Omitted | str:
    """One row per failed run: where in the design, its seed, parameter values and the error."""
    if runs is None:
        return Omitted("Failed runs", "runs.parquet is missing")
    failed = runs[runs["status"] == FAILED].drop_duplicates("run_id")
    if failed.empty:
        return "No run failed."
    return Table(
        f"Failed runs ({len(failed)})",
        ["run", "point", "replication", "seed", *parameters, "error"],
        [
            [
                r["run_id"],
                cell(int(r["point"])),
                cell(int(r["replication"])),
                str(r["seed"]),
                *(cell(r[p]) for p in parameters),
                str(r["error"])[:ERROR_CHARS],
            ]
            for _, r in failed.iterrows()
        ],
        "Rerun them with partysim sweep SPEC --out DIR --resume once the cause is fixed.",
        wide=True,
    )


def sweep_page(directory: Path) -> Page:
    """The sections of a sweep report, figures not yet written."""
    meta = json.loads((directory / "sweep.json").read_text(encoding="utf-8"))
    parameters, outcomes = meta["parameters"], list(meta.get("outcomes", {}))
    design, specs = meta.get("design", ""), meta.get("parameter_specs", {})
    summary = _read(directory / "summary.parquet")
    figures = (
        [
            plots_sweep.outcome_vs_parameters(summary, parameters, outcomes, design, specs),
            plots_sweep.heat_maps(summary, parameters, outcomes, design, specs),
        ]
        if summary is not None
        else [Omitted("Outcomes against parameters", "summary.parquet is missing")]
    )
    return Page(
        title=f"Sweep report: {meta.get('name', directory.name)}",
        subtitle=f"{design} design, {meta.get('points')} points × {replications_text(meta.get('replications'))} replications, "
        f"seed {meta.get('seed')}; sweep directory {directory}",
        sections=[
            Section("Headline", [headline(meta), parameters_table(meta), outcomes_table(meta)]),
            Section("Outcomes", figures),
            Section(
                "Sensitivity",
                [  # the sweep's own warnings (sim.many.sweep.reliability_warnings) before its figures
                    *(f"Warning: {warning}" for warning in meta.get("warnings", [])),
                    plots_sweep.sensitivity_bars(_read(directory / "sensitivity.parquet"), design),
                ],
            ),
            Section("Failed runs", [failed_runs(_read(directory / "runs.parquet"), parameters)]),
        ],
    )
