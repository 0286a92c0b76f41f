"""Who changes fate: members delegate, expelled or punished in one arm only, and where their paths part."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.many.compare import load_arms, run_comparison
from sim.many.executors import InProcess
from sim.many.fate import fate_differences, fates_of
from tests.many_runs import write_scenario

#: Discipline and recruitment act within a year: punishments and expulsions to tell apart.
PARTY = {
    "name": "disciplined",
    "duration": "1y",
    "population": {"members": 400},
    "critique": {"referral_probability": 0.01},
}


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return sim.run(_scenario(), seed=3, events=True).events


def _scenario() -> sim.Scenario:
    from sim.scenario import scenario_from_dict

    return scenario_from_dict(PARTY)


def test_member_diff_is_empty_for_a_variant_identical_to_its_base(tmp_path):
    base = write_scenario(tmp_path, PARTY, "base.yaml")
    same = write_scenario(tmp_path, {**PARTY, "name": "same"}, "same.yaml")
    report = run_comparison(
        load_arms(str(base), [str(same)], []),
        2,
        9,
        tmp_path / "out",
        InProcess(),
        {"members": "final:members_full"},
        members=True,
        show_progress=False,
    )
    assert report.members is not None and report.members.empty
    assert (tmp_path / "out" / "members.parquet").is_file()
    assert (tmp_path / "out" / "runs" / "same" / "1" / "events.parquet").is_file()


def test_member_diff_lists_exactly_the_members_a_one_member_change_affects(events):
    punished = fates_of(events).query("fate == 'punished'")["member"]
    assert len(punished) > 3
    spared = int(punished.iloc[0])
    # The variant: the same run, except that one member's first punishment never happened.
    first = events[(events["member"] == spared) & (events["kind"] == "punishment")].index[0]
    later = events[(events["member"] == spared) & (events.index > first)].index
    variant = events.drop(index=[first, *later])
    found = fate_differences(events, variant)
    assert found["member"].tolist() == [spared]
    row = found.iloc[0]
    assert row["fate"] == "punished" and row["in_base"] and not row["in_variant"]
    assert row["parted_kind"] == "punishment" and row["parted_mechanism"] == "discipline"
    assert row["parted_day"] == events.loc[first, "day"] and row["parted_in"] == "base"
    assert fate_differences(events, events).empty


def test_a_delegate_in_the_variant_only_is_found_with_its_first_parting(events):
    extra = pd.DataFrame(
        {
            "date": [events["date"].iloc[-1]],
            "day": [300],
            "kind": ["recommended"],
            "member": [7],
            "org": [0],
            "cause": ["8th"],
            "level": [""],
            "value": [float("nan")],
        }
    )
    delegate = extra.assign(day=310, kind="delegate", level="ordinary")
    variant = pd.concat([events, extra, delegate], ignore_index=True).astype(events.dtypes.to_dict())
    found = fate_differences(events, variant).query("fate == 'delegate'")
    assert found["member"].tolist() == [7] and found["in_variant"].all()
    assert found["parted_kind"].tolist() == ["recommended"] and found["parted_mechanism"].tolist() == ["congress"]


def test_comparison_report_summarizes_who_changes_fate(tmp_path):
    from sim.report import write_report

    base = write_scenario(tmp_path, PARTY, "base.yaml")
    stricter = write_scenario(
        tmp_path, {**PARTY, "name": "stricter", "critique": {"referral_probability": 0.03}}, "stricter.yaml"
    )
    out = tmp_path / "out"
    run_comparison(
        load_arms(str(base), [str(stricter)], []),
        2,
        9,
        out,
        InProcess(),
        {"punished": "final:punished_total"},
        members=True,
        show_progress=False,
    )
    assert not pd.read_parquet(out / "members.parquet").query("fate == 'punished'").empty
    page = write_report(out).read_text()
    assert "Members whose fate differs from the base" in page and "discipline" in page


def test_member_diff_needs_common_random_numbers(tmp_path):
    from sim.scenario import ScenarioError

    base = write_scenario(tmp_path, PARTY, "base.yaml")
    with pytest.raises(ScenarioError, match="--members: expected common random numbers"):
        run_comparison(
            load_arms(str(base), [str(base)], []), 2, 9, tmp_path / "out", InProcess(), independent=True, members=True
        )
    assert not (tmp_path / "out").exists()
