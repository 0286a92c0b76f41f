"""The report of one run: what was run (headline tables from summary.json and manifest.json) and its figures.

Every table and figure reads only what the run directory holds, so a run
made before a mechanism existed (or with it switched off) still gets a
report, with a short note where a part is missing.
"""

from __future__ import annotations

from pathlib import Path

from sim.report import plots_run
from sim.report.axes import label
from sim.report.figures import Omitted
from sim.report.html import Page, Section, Table, cell
from sim.run.result import Result

CONGRESS_FIGURES = (
    "recommended",
    "recommended_previously_punished",
    "delegates_selected",
    "ex_officio",
    "observers",
    "replaced",
    "women",
    "distorted_share",
    "units_late",
)


def headline(result: Result) -> Table:
    """What was run and what it cost: scenario, seed, dates, size, wall time, events, memory, code version."""
    summary, manifest = result.summary, result.manifest
    scenario = manifest.get("scenario", {})
    rows = [
        ("scenario", summary["scenario"]),
        ("description", scenario.get("description")),
        ("seed", str(summary["seed"])),
        ("start", summary["start"]),
        ("end", summary["end"]),
        ("members on day 0", scenario.get("population", {}).get("members")),
        ("recorded every", scenario.get("record_every")),
        ("wall time (s)", manifest.get("wall_seconds")),
        ("SimPy events", manifest.get("simpy_events")),
        ("peak memory (MB)", manifest.get("peak_rss_mb")),
        ("partysim", manifest.get("versions", {}).get("partysim")),
        ("git commit", (manifest.get("git_commit") or "")[:12] or None),
    ]
    return Table("Run", ["", "value"], [[name, cell(value)] for name, value in rows if value is not None])


def _figures_table(title: str, figures: dict, note: str = "") -> Table:
    return Table(title, ["", "value"], [[label(name), cell(value)] for name, value in figures.items()], note)


def congress_table(cycles: list[dict]) -> Table:
    """One column per Congress cycle: recommendations, delegates and how far the selection was distorted."""
    columns = ["", *(f"{c['name']} Congress" for c in cycles)]
    rows = [[label(name), *(cell(c.get(name)) for c in cycles)] for name in CONGRESS_FIGURES]
    rows.insert(0, ["Congress opens", *(c["congress"] for c in cycles)])
    return Table(
        "Congress cycles",
        columns,
        rows,
        "distorted share: the share of selected delegates who owe their seat to ties or bribery.",
    )


def beside_published(cycles: list[dict]) -> list[Table]:
    """Per Congress with published figures: each tier's work, and the composition beside the published one."""
    tables = []
    for c in cycles:
        tiers = c.get("conferences", [])
        if tiers and "conferences_held" in tiers[0]:
            tables.append(
                Table(
                    f"{c['name']} Congress: tiers",
                    ["tier", "window", "conferences held", "delegates elected", "women"],
                    [
                        [
                            t["name"],
                            f"{t['date']} – {t['close']}",
                            cell(t["conferences_held"]),
                            cell(t["delegates_elected"]),
                            cell(t["women"]),
                        ]
                        for t in tiers
                    ],
                    f"struck at the credential review: {', '.join(f'{label(k)} {v}' for k, v in c.get('struck', {}).items())}.",
                )
            )
        published = c.get("beside_published")
        if published:
            rows = [[label(name), cell(f["model"]), cell(f["published"])] for name, f in published["figures"].items()]
            tables.append(
                Table(
                    f"{c['name']} Congress beside the published figures",
                    ["", "model", "published"],
                    rows,
                    published["source"],
                )
            )
    return tables


def amnesty_table(orders: list[dict]) -> Table:
    """One row per amnesty order: how many punishments it lifted, of which causes and levels."""

    def breakdown(counts: dict) -> str:
        return ", ".join(f"{label(k)} {v:,}" for k, v in counts.items()) or "—"

    return Table(
        "Amnesty orders",
        ["date", "lifted", "by cause", "by level"],
        [
            [o["date"], cell(o.get("lifted")), breakdown(o.get("by_cause", {})), breakdown(o.get("by_level", {}))]
            for o in orders
        ],
    )


def campaigns_table(campaigns: list[dict]) -> Table:
    """One row per campaign: its window and the achievers it credited (preferred later as delegates)."""
    return Table(
        "Campaigns",
        ["campaign", "start", "end", "achievers"],
        [[c["name"], c["start"], c["end"], cell(c.get("achievers"))] for c in campaigns],
    )


def _optional(table, items: list[dict] | None, title: str, key: str):
    return table(items) if items else Omitted(title, f"the summary has no {key!r} entries")


def run_page(directory: Path) -> Page:
    """The sections of a run report, figures not yet written."""
    result = Result.load(directory)
    summary = result.summary
    return Page(
        title=f"Run report: {summary['scenario']}",
        subtitle=f"seed {summary['seed']}, {summary['start']} to {summary['end']}; run directory {directory}",
        sections=[
            Section(
                "Headline",
                [
                    headline(result),
                    _figures_table("Final state", summary.get("final", {}), "Stocks on the last recorded date."),
                    _figures_table(
                        "Totals over the run", summary.get("totals", {}), "Flows summed over all recorded dates."
                    ),
                ],
            ),
            Section("Membership", [plots_run.membership_stocks(result), plots_run.membership_flows(result)]),
            Section(
                "Discipline",
                [
                    plots_run.punishments_by_level(result),
                    plots_run.punishments_by_cause(result),
                    _optional(amnesty_table, summary.get("amnesty"), "Amnesty orders", "amnesty"),
                ],
            ),
            Section("Meetings and Party Life Critique", [plots_run.meetings(result), plots_run.critiques(result)]),
            Section(
                "Congress",
                [
                    plots_run.congress_timeline(result),
                    plots_run.delegates(result),
                    _optional(congress_table, summary.get("congress"), "Congress cycles", "congress"),
                    *beside_published(summary.get("congress") or []),
                    _optional(campaigns_table, summary.get("campaigns"), "Campaigns", "campaigns"),
                ],
            ),
        ],
    )
