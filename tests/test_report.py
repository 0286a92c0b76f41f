"""Reports of a run, a sweep and a comparison: one self-contained page, every figure embedded and saved.

Each report is made from a small real run, sweep or comparison. The county
runs start in January 2020 so that one simulated year holds the whole 8th
Congress cycle (announcement, assemblies, amnesty, Congress) and its campaigns.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.dates import date2num

import sim
from sim.cli import main
from sim.many.compare import load_arms, run_comparison
from sim.many.executors import InProcess
from sim.many.sweep import load_sweep, run_sweep
from sim.report import ReportError, figures_directory, plots_compare, plots_run, plots_sweep, write_report
from sim.report.axes import per_month
from sim.report.figures import Figure, Omitted, report_style
from sim.report.html import number
from sim.report.sweep_page import failed_runs
from tests.many_runs import ATTRITION_ONLY, write_scenario

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "scenarios" / "county.yaml"
STRICT = ROOT / "scenarios" / "variants" / "strict-discipline.yaml"
#: A 300-member county over the year of the 8th Congress cycle.
CONGRESS_YEAR = ["population.members=300", "duration=1y", "start=2020-01-15"]


class PageParser(HTMLParser):
    """Collects what the tests check: image sources, links, CSS ``url()``s, visible text; fails on broken nesting."""

    VOID: ClassVar[set[str]] = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.open: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        self.links += [value for name, value in attrs.items() if name in ("href", "src") and tag != "img"]
        self._in_style = tag == "style"
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def parse(page: Path) -> PageParser:
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    assert parser.open == [], f"unclosed tags: {parser.open}"
    return parser


def assert_self_contained(page: Path) -> PageParser:
    """The page parses, loads nothing from outside, and embeds every figure written next to it (PNG and SVG)."""
    parsed = parse(page)
    urls = parsed.images + parsed.links + re.findall(r"url\(([^)]*)\)", "".join(parsed.styles))
    assert not [u for u in urls if re.match(r"\s*['\"]?(https?:)?//", u)], "external URL in the page"
    assert all(src.startswith("data:image/png;base64,") for src in parsed.images)
    figures = figures_directory(page)
    pngs, svgs = sorted(figures.glob("*.png")), sorted(figures.glob("*.svg"))
    assert pngs and [p.stem for p in pngs] == [s.stem for s in svgs]
    embedded = {src.split(",", 1)[1] for src in parsed.images}
    assert embedded == {base64.b64encode(p.read_bytes()).decode("ascii") for p in pngs}
    return parsed


def assert_axes_labelled(figure: Figure | Omitted) -> None:
    """Every axis that shows tick labels has an axis label (colour bars: their one label).

    A panel whose tick labels are hidden continues its neighbour's axis (stacked panels on one date axis,
    a row of panels on one list of variants) and is labelled there.
    """
    assert isinstance(figure, Figure), figure
    for ax in figure.canvas.axes:
        if ax.get_label() == "<colorbar>":
            assert (ax.get_xlabel() + ax.get_ylabel()).strip(), (figure.name, "colour bar without a label")
            continue
        for axis, ticks_labelled in ((ax.xaxis, "labelbottom"), (ax.yaxis, "labelleft")):
            if axis.get_tick_params()[ticks_labelled]:
                assert axis.get_label_text().strip(), (figure.name, ax.get_title(), axis.axis_name)


# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    result = sim.run(sim.load_scenario(COUNTY, CONGRESS_YEAR))
    return result.save(tmp_path_factory.mktemp("run") / "county")


@pytest.fixture(scope="module")
def run_report(run_dir) -> Path:
    return write_report(run_dir)


def test_run_report_is_one_self_contained_page_with_every_figure(run_dir, run_report):
    assert run_report == run_dir / "report.html"
    assert_self_contained(run_report)
    names = {p.stem for p in figures_directory(run_report).glob("*.png")}
    assert names == {
        "membership",
        "flows",
        "punishments-by-level",
        "punishments-by-cause",
        "meetings",
        "critique",
        "congress-timeline",
        "delegates",
    }


def test_run_report_shows_the_headline_numbers_of_the_summary(run_dir, run_report):
    summary = json.loads((run_dir / "summary.json").read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    text = " ".join(parse(run_report).text)
    for expected in (
        summary["scenario"],
        str(summary["seed"]),
        summary["start"],
        summary["end"],
        f"{manifest['wall_seconds']:.3g}",
        summary["congress"][0]["congress"],
        *(f"{v:,}" for v in summary["final"].values()),
        *(f"{v:,}" for v in summary["totals"].values()),
    ):
        assert expected in text, expected


def test_run_figures_have_labelled_axes(run_dir):
    result = sim.Result.load(run_dir)
    with report_style():
        for draw in (
            plots_run.membership_stocks,
            plots_run.membership_flows,
            plots_run.punishments_by_level,
            plots_run.punishments_by_cause,
            plots_run.meetings,
            plots_run.critiques,
            plots_run.congress_timeline,
            plots_run.delegates,
        ):
            assert_axes_labelled(draw(result))


def test_punishment_causes_are_found_by_prefix_without_the_ladder_levels(run_dir):
    causes = plots_run.punishment_causes(sim.Result.load(run_dir).timeseries)
    assert "issued_insincerity" in causes and "issued_bribery" in causes
    assert not {"issued_warning", "issued_probation", "issued_expulsion"} & set(causes)


def test_a_run_without_a_mechanism_gets_a_note_in_place_of_its_figures(run_dir):
    result = sim.Result.load(run_dir)
    result.summary = {k: v for k, v in result.summary.items() if k not in ("congress", "amnesty", "campaigns")}
    result.timeseries = result.timeseries.drop(columns=["delegate_pool", "delegates_selected"])
    with report_style():
        assert isinstance(plots_run.delegates(result), Omitted)
        assert isinstance(plots_run.congress_timeline(result), Omitted)


def test_the_delegate_pool_is_drawn_over_the_weeks_it_exists(run_dir):
    """A pool that exists for three months of the year is not a spike at the edge of an empty plot."""
    result = sim.Result.load(run_dir)
    with report_style():
        figure = plots_run.delegates(result)
    pool = next(ax for ax in figure.canvas.axes if ax.get_title() == "Delegate pool")
    active = date2num(pd.to_datetime(result.timeseries.loc[result.timeseries["delegate_pool"] > 0, "date"]))
    low, high = pool.get_xlim()
    assert low < active.min() and active.max() < high and high - low < 180


def _weekly(start: str, weeks: int, per_day: float) -> pd.DataFrame:
    """A time series recorded weekly whose flow happens ``per_day`` times every day."""
    days = np.arange(weeks + 1) * 7
    return pd.DataFrame(
        {
            "date": pd.Timestamp(start) + pd.to_timedelta(days, unit="D"),
            "day": days,
            "cell_meetings": np.r_[0.0, np.full(weeks, 7 * per_day)],
        }
    )


def test_monthly_counts_follow_the_calendar_not_the_number_of_weekly_rows():
    """A steady daily rate gives each whole month its days' worth (no four/five-week zig-zag), partial ends left out."""
    months = per_month(_weekly("2020-01-15", 52, 10.0), ["cell_meetings"])
    assert list(months.index) == list(pd.date_range("2020-02-01", "2020-12-01", freq="MS"))
    assert months["cell_meetings"].tolist() == pytest.approx([10.0 * days for days in months.index.days_in_month])


def test_a_run_shorter_than_a_month_gets_a_note_for_its_monthly_figures(run_dir):
    result = sim.Result.load(run_dir)
    result.timeseries = result.timeseries.head(4)
    with report_style():
        figure = plots_run.meetings(result)
    assert isinstance(figure, Omitted) and "no whole calendar month" in figure.reason


def test_run_with_report_flag_writes_the_report_of_a_bare_run(tmp_path):
    """``partysim run --report`` on a scenario with most mechanisms off: the page says what it cannot show."""
    scenario = write_scenario(tmp_path, ATTRITION_ONLY)
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet", "--report", "--format", "csv"]) == 0
    parsed = assert_self_contained(out / "report.html")
    text = " ".join(parsed.text)
    assert "Not drawn" in text and "Congress cycle" in text


def test_report_of_a_directory_that_is_not_a_result_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(ReportError):
        write_report(tmp_path)
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run, sweep, comparison, discovery or calibration directory" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Sweep
# ---------------------------------------------------------------------------


def _sweep(directory: Path, name: str, **fields) -> Path:
    spec = {
        "name": name,
        "base": str(COUNTY),
        "set": CONGRESS_YEAR,
        "seed": 5,
        "outcomes": {"members": "final:members_full", "punishments": "sum:punishments_issued"},
        **fields,
    }
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = directory / name
    run_sweep(load_sweep(path), out, InProcess(), show_progress=False)
    return out


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory) -> Path:
    return _sweep(
        tmp_path_factory.mktemp("sweep"),
        "grid",
        design="grid",
        replications=2,
        parameters={
            "critique.every_two_days.field_labour": [0.0, 1.0],
            "critique.referral_probability": [0.002, 0.006],
        },
    )


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("sobol")
    base = write_scenario(directory, ATTRITION_ONLY)
    spec = {
        "name": "sobol",
        "base": base.name,
        "design": "sobol",
        "samples": 4,
        "replications": 1,
        "seed": 3,
        "parameters": {
            "attrition.death_rate": {"low": 0.0, "high": 0.1},
            "attrition.retirement_rate": {"low": 0.0, "high": 0.05},
        },
        "outcomes": {"members": "final:members_full", "exits": "sum:exits"},
    }
    path = directory / "sobol.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    run_sweep(load_sweep(path), directory / "out", InProcess(), show_progress=False)
    return directory / "out"


def test_grid_sweep_report_embeds_outcome_plots_and_heat_maps(grid_sweep, tmp_path):
    page = write_report(grid_sweep, tmp_path / "grid.html")
    assert_self_contained(page)
    assert {p.stem for p in figures_directory(page).glob("*.png")} == {"outcomes-vs-parameters", "heat-maps"}
    meta = json.loads((grid_sweep / "sweep.json").read_text())
    text = " ".join(parse(page).text)
    for expected in ("grid", str(meta["seed"]), *meta["parameters"], *meta["outcomes"], "No run failed."):
        assert expected in text, expected


def test_sobol_sweep_report_has_index_bars_with_labelled_axes(sobol_sweep):
    page = write_report(sobol_sweep)
    assert_self_contained(page)
    assert (figures_directory(page) / "sensitivity.png").is_file()
    indices = pd.read_parquet(sobol_sweep / "sensitivity.parquet")
    with report_style():
        assert_axes_labelled(plots_sweep.sensitivity_bars(indices, "sobol"))


def test_sweep_figures_have_labelled_axes(grid_sweep):
    summary = pd.read_parquet(grid_sweep / "summary.parquet")
    meta = json.loads((grid_sweep / "sweep.json").read_text())
    args = (summary, meta["parameters"], list(meta["outcomes"]), "grid", meta["parameter_specs"])
    with report_style():
        assert_axes_labelled(plots_sweep.outcome_vs_parameters(*args))
        assert_axes_labelled(plots_sweep.heat_maps(*args))


def test_counts_are_drawn_from_zero_even_where_an_interval_dips_below():
    """Two replications give wide t intervals; a count's axis must not show negative counts."""
    summary = pd.DataFrame(
        {"a": [0.0, 1.0], "outcome": "expelled", "mean": [0.5, 2.5], "ci_low": [-6.0, -15.0], "ci_high": [7.0, 20.0]}
    )
    with report_style():
        figure = plots_sweep.outcome_vs_parameters(summary, ["a"], ["expelled"], "grid", {})
    assert figure.canvas.axes[0].get_ylim()[0] == 0


def test_heat_map_cells_read_like_the_tables():
    summary = pd.DataFrame(
        {
            "a": [0.0, 0.0, 1.0, 1.0],
            "b": [1.0, 2.0, 1.0, 2.0],
            "outcome": "critiques",
            "mean": [18522.4, 32023.0, 47935.0, 72.5],
        }
    )
    with report_style():
        figure = plots_sweep.heat_maps(summary, ["a", "b"], ["critiques"], "grid", {})
    assert {text.get_text() for text in figure.canvas.axes[0].texts} == {"18,522", "32,023", "47,935", "72.5"}


def test_failed_runs_are_listed_once_each_with_their_error(grid_sweep):
    runs = pd.read_parquet(grid_sweep / "runs.parquet")
    first = runs["run_id"] == runs["run_id"].iloc[0]
    runs.loc[first, "status"], runs.loc[first, "error"] = "failed", "InvariantError: member 301 in no cell"
    table = failed_runs(runs, ["critique.referral_probability"])
    assert len(table.rows) == 1 and table.rows[0][0] == runs["run_id"].iloc[0]
    assert table.rows[0][-1] == "InvariantError: member 301 in no cell"


def test_same_sweep_gives_byte_identical_figures(grid_sweep, tmp_path):
    first, second = write_report(grid_sweep, tmp_path / "a.html"), write_report(grid_sweep, tmp_path / "b.html")
    for path in figures_directory(first).iterdir():
        assert path.read_bytes() == (figures_directory(second) / path.name).read_bytes(), path.name


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    arms = load_arms(str(COUNTY), [str(STRICT)], CONGRESS_YEAR)
    run_comparison(
        arms,
        3,
        7,
        out,
        InProcess(),
        {"members": "final:members_full", "punished": "final:punished_total", "punishments": "sum:punishments_issued"},
        show_progress=False,
    )
    return out


def test_comparison_report_via_the_command_line(comparison, tmp_path, capsys):
    page = tmp_path / "elsewhere" / "comparison.html"
    assert main(["report", str(comparison), "--out", str(page)]) == 0
    assert str(page) in capsys.readouterr().out
    assert_self_contained(page)
    assert {p.stem for p in figures_directory(page).glob("*.png")} == {"differences", "time-series"}
    table = pd.read_parquet(comparison / "comparison.parquet")
    text = " ".join(parse(page).text)
    assert "county-strict-discipline − base" in text  # one table per variant, named in its title
    for row in table.itertuples():
        signed = [number(value, signed=True) for value in (row.diff_mean, row.ci_low, row.ci_high)]
        assert f"{signed[0]} [{signed[1]}, {signed[2]}]" in text


def test_large_numbers_are_written_without_exponents():
    assert number(32730.2) == "32,730" and number(-1234.5, signed=True) == "-1,234"
    assert number(960.8) == "960.8" and number(0.2, signed=True) == "+0.2"


def test_comparison_figures_have_labelled_axes(comparison):
    table = pd.read_parquet(comparison / "comparison.parquet")
    arms = {label: plots_compare.replications(comparison, label) for label in ("base", "county-strict-discipline")}
    stocks, flows = plots_compare.series_columns(
        {"p": "final:punished_total", "i": "sum:punishments_issued"}, list(arms["base"].columns)
    )
    assert "punished_total" in stocks and flows == ["punishments_issued"]
    assert all(len(frame["replication"].unique()) == 3 for frame in arms.values())
    with report_style():
        assert_axes_labelled(plots_compare.forest(table, ["county-strict-discipline"]))
        assert_axes_labelled(plots_compare.time_series(arms, stocks, flows))
