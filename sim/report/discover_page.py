"""The report of a scenario discovery: the question, the box found, its stability, and the peeling trajectory.

The trajectory figure is the usual picture of PRIM (Bryant & Lempert 2010):
each peel moves the box up in density and left in coverage; the reported box
is marked, so a reader sees what a tighter or looser box would have traded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.report.figures import Figure, new_canvas
from sim.report.html import Page, Section, Table, cell, number
from sim.report.palette import INK, series


def headline(meta: dict) -> Table:
    """The question asked, the sweep it was asked of, and the chosen box's coverage, density and mass."""
    rows = [
        ("question", meta.get("question")),
        ("sweep", meta.get("sweep")),
        ("points (cases of interest)", f"{meta.get('points')} ({meta.get('cases')})"),
        ("box chosen", f"step {meta.get('chosen_step')}: densest with coverage ≥ {meta.get('min_coverage')}"),
        ("coverage", number(meta["coverage"])),
        ("density", number(meta["density"])),
        ("mass", number(meta["mass"])),
        ("peel share (alpha), smallest mass", f"{meta.get('alpha')}, {meta.get('mass_min')}"),
        ("bootstrap resamples (seed)", f"{meta.get('bootstrap')} ({meta.get('seed')})"),
    ]
    return Table("Discovery", ["", "value"], [[name, cell(value)] for name, value in rows])


def box_table(stability: pd.DataFrame) -> Table:
    """Per parameter: the chosen limits, whether they restrict it, and their 95% bootstrap ranges."""
    return Table(
        "Box limits and their stability",
        ["parameter", "low", "high", "restricted", "low, 95% of resamples", "high, 95% of resamples", "restricted in"],
        [
            [
                r.parameter,
                number(r.low),
                number(r.high),
                "yes" if r.restricted else "no",
                f"{number(r.low_q025)} – {number(r.low_q975)}",
                f"{number(r.high_q025)} – {number(r.high_q975)}",
                f"{r.restricted_share:.0%} of {r.resamples}" if pd.notna(r.restricted_share) else "—",
            ]
            for r in stability.itertuples(index=False)
        ],
        "Resamples draw each point's replications with replacement and run PRIM again; a limit whose range is "
        "narrow and a parameter restricted in most resamples are a stable answer.",
        wide=True,
    )


def trajectory_figure(trajectory: pd.DataFrame) -> Figure:
    """Density against coverage along the peels, the chosen box marked."""
    canvas, axes = new_canvas(1, 1)
    ax = axes[0, 0]
    style = series(0)
    ax.plot(trajectory["coverage"], trajectory["density"], marker=style.marker, color=style.color, markersize=4)
    chosen = trajectory[trajectory["chosen"]]
    ax.plot(chosen["coverage"], chosen["density"], "o", markersize=11, markerfacecolor="none", markeredgecolor=INK)
    for row in chosen.itertuples(index=False):
        ax.annotate(
            f"chosen (step {row.step})", (row.coverage, row.density), xytext=(8, -14), textcoords="offset points"
        )
    ax.set_xlabel("coverage (share of the cases inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.05)
    return Figure(
        "trajectory",
        "Peeling trajectory",
        "Each marker is one box of the trajectory, from the whole sweep (coverage 1, bottom right) to the smallest "
        "box; the circled one is reported.",
        canvas,
    )


def discovery_page(directory: Path) -> Page:
    """The sections of a discovery report, figures not yet written."""
    meta = json.loads((directory / "discovery.json").read_text(encoding="utf-8"))
    trajectory = pd.read_parquet(directory / "discovery.parquet")
    stability = pd.read_parquet(directory / "stability.parquet")
    limits = [c for c in trajectory.columns if c.startswith(("low:", "high:"))]
    steps = Table(
        "Trajectory",
        ["step", "coverage", "density", "mass", *limits],
        [
            [cell(int(r["step"])), number(r["coverage"]), number(r["density"]), number(r["mass"])]
            + [number(r[c]) for c in limits]
            for _, r in trajectory.iterrows()
        ],
        wide=True,
    )
    return Page(
        title=f"Scenario discovery: {meta.get('question')}",
        subtitle=f"PRIM on the mean over each point's replications; sweep {meta.get('sweep')}",
        sections=[
            Section("Question and answer", [headline(meta), box_table(stability)]),
            Section("Peeling trajectory", [trajectory_figure(trajectory), steps]),
        ],
    )
