"""The report of a comparison: which scenarios, how they were paired, the differences and the runs over time."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.report import plots_compare
from sim.report.html import Page, Section, Table, cell, number

BASE_LABEL = "base"


def _precision_text(precision: dict | None) -> str | None:
    """``compare --precision``: the target half-width, the cap and the batches run (None without it)."""
    if not precision:
        return None
    unit = "" if precision.get("absolute") else " of |base mean|"
    batches = ", ".join(str(b) for b in precision.get("batches", []))
    return (
        f"95% CI half-width ≤ {precision.get('target')}{unit}, at most {precision.get('max_replications')}; "
        f"batches up to {batches}"
    )


def headline(meta: dict) -> Table:
    """Base and variant files, replications, pairing (common random numbers or independent seeds), seed, time."""
    counts = meta.get("counts", {})
    rows = [
        ("base scenario", meta.get("base")),
        *((f"variant {v['label']}", f"{v['path']} ({v['scenario']})") for v in meta.get("variants", [])),
        ("replications per scenario", meta.get("reps")),
        ("replications to a precision", _precision_text(meta.get("precision"))),
        ("pairing", "paired t, common random numbers" if meta.get("paired") else "Welch t, independent seeds"),
        ("seed", str(meta["seed"])),
        ("runs finished", counts.get("done")),
        ("runs failed", counts.get("failed")),
        ("executor", meta.get("executor")),
        ("wall time (s)", meta.get("wall_seconds")),
    ]
    return Table("Comparison", ["", "value"], [[name, cell(value)] for name, value in rows if value is not None])


def differences_tables(table: pd.DataFrame, variants: list[str]) -> list[Table]:
    """One table per variant, a row per outcome: base and variant means, difference with its 95% CI, p-value.

    Per variant rather than one long table, so that the variant's (long) name is said once, in the title,
    and the difference column fits beside the outcome even on a narrow screen.
    """

    def signed(value: float) -> str:
        return number(value, signed=True) if pd.notna(value) else "—"

    def rows(variant: str) -> list[list[str]]:
        return [
            [
                r.outcome,
                cell(int(r.n)),
                number(r.base_mean),
                number(r.variant_mean),
                f"{signed(r.diff_mean)} [{signed(r.ci_low)}, {signed(r.ci_high)}]"
                + (" *" if plots_compare.significant(r) else ""),
                f"{r.p_value:.3g}" if pd.notna(r.p_value) else "—",
                f"{r.p_adjusted:.3g}" if pd.notna(getattr(r, "p_adjusted", None)) else "—",
            ]
            for r in table[table["variant"] == variant].itertuples(index=False)
        ]

    return [
        Table(
            f"{variant} − base",
            ["outcome", "n", "base mean", "variant mean", "difference [95% CI]", "p", "p (BH)"],
            rows(variant),
            f"* significant at a false discovery rate of {plots_compare.FDR:.0%}: the Benjamini–Hochberg adjusted p-value "
            "(over every outcome of every variant) is below it. n: replications (pairs when paired) that finished.",
            wide=True,
        )
        for variant in variants
    ]


def fates_table(summary: list[dict]) -> Table:
    """``compare --members``: per variant and fate, members in one arm only and where their paths first part."""
    return Table(
        "Members whose fate differs from the base",
        ["variant", "fate", "in base only", "in variant only", "first parting (mechanism: members)"],
        [
            [row["variant"], row["fate"], cell(row["base_only"]), cell(row["variant_only"]), row["mechanisms"]]
            for row in summary
        ],
        "Summed over replications. Members are matched by id under common random numbers; the first parting "
        "is the first recorded event the two arms do not share (members.parquet lists every member).",
        wide=True,
    )


def comparison_page(directory: Path) -> Page:
    """The sections of a comparison report, figures not yet written."""
    meta = json.loads((directory / "comparison.json").read_text(encoding="utf-8"))
    labels = [BASE_LABEL, *(v["label"] for v in meta.get("variants", []))]
    path = directory / "comparison.parquet"
    table = pd.read_parquet(path) if path.is_file() else pd.DataFrame(columns=["variant", "outcome"])
    arms = {name: frame for name in labels if (frame := plots_compare.replications(directory, name)) is not None}
    stocks, flows = plots_compare.series_columns(
        meta.get("outcomes", {}), list(arms.get(BASE_LABEL, pd.DataFrame()).columns)
    )
    pairing = "paired, common random numbers" if meta.get("paired") else "independent seeds"
    return Page(
        title=f"Comparison report: {Path(str(meta.get('base', 'base'))).stem} and {len(labels) - 1} variant(s)",
        subtitle=f"{meta.get('reps')} replications per scenario, {pairing}, seed {meta.get('seed')}; "
        f"comparison directory {directory}",
        sections=[
            Section("Headline", [headline(meta)]),
            Section("Differences", [plots_compare.forest(table, labels[1:]), *differences_tables(table, labels[1:])]),
            Section("Over time", [plots_compare.time_series(arms, stocks, flows)]),
            *([Section("Who changes fate", [fates_table(meta["members"])])] if meta.get("members") is not None else []),
        ],
    )
