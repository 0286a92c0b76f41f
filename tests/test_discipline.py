"""Punishments: ladder, escalation, causes, decisions at meetings, lifting, liability, stocks."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.model import ladder
from sim.model.population import ACTIVE, Status
from sim.model.roles import Role
from sim.run.engine import Simulation
from tests.conftest import simulate, small_scenario
from tests.small_world import founded, full_members

QUIET = {"critique": {"enabled": False}, "membership": {"enabled": False}}
COUNTY_CAUSES = ("desertion", "absence_without_leave", "lax_discipline", "anti_socialist", "bribery")


def only(**causes) -> dict:
    """Cause settings that silence every rate-based cause of county.yaml but the given ones."""
    return {**{name: {"rate_per_year": 0} for name in COUNTY_CAUSES}, **causes}


ONE_CAUSE = only(lax_discipline={"rate_per_year": 0.3, "level": "warning"})


def _discipline(**fields) -> dict:
    return {"discipline": {"causes": ONE_CAUSE, "conviction_probability": 1.0, **fields}}


def test_repeat_offences_escalate_one_step_up_the_ladder():
    _, result = simulate(small_scenario(duration="3y", **QUIET, **_discipline()))
    kinds = ["punishment", "punishment_lifted", "expulsion_proposed", "punishment_proposed"]
    ev = result.events[result.events.kind.isin(kinds)]
    held: dict[int, int] = {}
    proposed: dict[int, int] = {}  # heavier levels the cell decided, awaiting the county/city committee
    checked = 0
    for row in ev.itertuples():
        if row.kind == "punishment_lifted":
            held.pop(row.member, None)
            continue
        level = ladder.code(row.level)
        if row.kind == "punishment" and row.member in proposed:
            # The committee's answer: the proposed level, or the next lighter one when refused.
            assert level in (proposed[row.member], proposed.pop(row.member) - 1), row
            held[row.member] = level
            continue
        previous = held.get(row.member, 0)
        expected = max(ladder.code("warning"), previous + 1) if previous else ladder.code("warning")
        assert level == expected, (row, previous)
        checked += previous > 0
        if row.kind == "punishment":
            held[row.member] = level
        else:
            proposed[row.member] = level
    assert checked > 20


def test_without_escalation_each_cause_enters_at_its_configured_level():
    causes = {
        "desertion": {"rate_per_year": 0.2, "level": "probation"},
        "anti_socialist": {"rate_per_year": 0.2, "level": "severe_warning"},
        "bribery": {"rate_per_year": 0.2, "level": "removal_from_post"},
    }
    scenario = small_scenario(
        **QUIET, discipline={"causes": only(**causes), "escalate_repeat": False, "ratified_from": "expulsion"}
    )
    _, result = simulate(scenario)
    issued = result.events[result.events.kind == "punishment"]
    assert set(issued.cause) == set(causes)
    for cause, spec in causes.items():
        assert set(issued[issued.cause == cause].level) == {spec["level"]}


def test_probation_demotes_full_members_and_restores_them_when_lifted():
    causes = only(desertion={"rate_per_year": 0.2, "level": "probation"})
    scenario = small_scenario(
        **QUIET,
        population={"candidate_share": 0},
        discipline={
            "causes": causes,
            "escalate_repeat": False,
            "lift_after_days": {"probation": 200},
            "ratified_from": "expulsion",
        },
    )
    _, result = simulate(scenario)
    ts = result.timeseries
    assert ts["demoted"].sum() > 20 and ts["restored"].sum() > 10
    assert (ts["members_demoted"] == ts["punished_probation"]).all()


def test_decisions_are_taken_at_the_cells_meeting_after_the_referral():
    simulation, result = simulate(small_scenario(**_discipline(ratified_from="expulsion")))
    ev = result.events
    # The meeting decides; an expulsion it proposes is ratified later by the county/city committee.
    decided = ev[((ev.kind == "punishment") & (ev.level != "expulsion")) | (ev.kind == "expulsion_proposed")]
    cal, orgs = simulation.world.calendar, simulation.world.orgs
    assert np.array_equal(cal.day_of_month(decided.day.to_numpy()), orgs.meeting_day[decided.org.to_numpy()])
    meetings = ev[(ev.kind == "meeting") & (ev.cause == "cell")]
    traced = decided.merge(meetings[["day", "org"]], on=["day", "org"], how="left", indicator=True)
    assert (traced["_merge"] == "both").all()  # every decision traces back to its cell meeting
    referred = ev[ev.kind == "referral"].groupby("member").day.min()
    first = decided.groupby("member").day.min()
    wait = (first - referred).dropna()
    assert wait.min() >= 1 and wait.max() <= 31  # the next monthly meeting


@pytest.mark.parametrize("ratify", [1.0, 0.0])
def test_heavier_punishments_take_effect_only_once_the_county_committee_ratifies_them(ratify):
    """Removal from post and demotion are decided at the cell meeting and ratified by the county/city committee
    within ``ratification_days``; refused, the member gets the next lighter level (assumption, scenario fields)."""
    causes = only(
        bribery={"rate_per_year": 0.3, "level": "removal_from_post"},
        desertion={"rate_per_year": 0.3, "level": "probation"},
    )
    days = 20
    discipline = {"causes": causes, "conviction_probability": 1.0, "escalate_repeat": False}
    discipline |= {"ratify_probability": ratify, "ratification_days": days}
    simulation, result = simulate(small_scenario(**QUIET, attrition={"enabled": False}, discipline=discipline))
    ev = result.events
    proposed = ev[ev.kind == "punishment_proposed"][["member", "day", "level"]]
    proposed = proposed[proposed.day < simulation.world.calendar.horizon - days]  # decided inside the run
    given = ev[ev.kind == "punishment"][["member", "day", "level"]]
    assert len(proposed) > 30 and set(proposed.level) == {"removal_from_post", "probation"}
    pairs = proposed.merge(given, on="member", suffixes=("_proposed", "_given"))
    pairs = pairs[(pairs.day_given > pairs.day_proposed) & (pairs.day_given <= pairs.day_proposed + days)]
    pairs = pairs.drop_duplicates(["member", "day_proposed"])
    assert len(pairs) == len(proposed)  # every proposal is decided above within the deadline
    lighter = pairs.level_proposed.map(ladder.code) - 1
    expected = pairs.level_proposed.map(ladder.code) if ratify else lighter
    assert (pairs.level_given.map(ladder.code) == expected).all()
    refused = result.timeseries["punishments_not_ratified"].sum()
    assert refused == 0 if ratify else refused >= len(proposed)


def test_punishments_are_lifted_after_the_good_conduct_period_at_a_meeting():
    periods = {"warning": 120, "severe_warning": 240}
    _simulation, result = simulate(small_scenario(**QUIET, **_discipline(lift_after_days=periods)))
    ev = result.events
    issued = ev[ev.kind == "punishment"].groupby("member").tail(1)[["member", "day", "level"]]
    lifted = ev[ev.kind == "punishment_lifted"][["member", "day", "level"]]
    pairs = lifted.merge(issued, on=["member", "level"], suffixes=("_lift", "_issue"))
    pairs = pairs[pairs.day_lift > pairs.day_issue]
    assert len(pairs) > 50
    waited = pairs.day_lift - pairs.day_issue - pairs.level.map(periods)
    assert waited.min() >= 0 and waited.max() <= 28


def test_recommender_liability_only_inside_the_window_and_only_for_the_two_recommenders():
    causes = only(anti_socialist={"rate_per_year": 0.5, "level": "expulsion"})
    scenario = small_scenario(
        duration="3y",
        critique={"enabled": False},
        membership={"applications_per_member_year": 0.3},
        discipline={
            "causes": causes,
            "conviction_probability": 1.0,
            "expulsion_ratify_probability": 1.0,
            "liability_probability": 1.0,
            "liability_years": 1.0,
        },
    )
    simulation, result = simulate(scenario)
    pop, ev = simulation.world.pop, result.events
    expelled = ev[(ev.kind == "punishment") & (ev.level == "expulsion")]
    liable = ev[(ev.kind == "referral") & (ev.cause == "recommender_liability")]
    assert len(liable) > 5
    admitted_on = np.where(pop.joined > 0, pop.joined, pop.candidate_since)
    for day, group in expelled.groupby("day"):
        members = group.member.to_numpy()
        recent = members[(pop.applied[members] > 0) & (day - admitted_on[members] <= 365.25)]
        recommenders = set(pop.recommender1[recent]) | set(pop.recommender2[recent])
        referred = set(liable[liable.day == day].member)
        assert referred <= recommenders
    # Expelled founders and long-standing members never bring liability.
    old = expelled[(pop.applied[expelled.member] == 0)]
    assert len(old) > 10


def test_punishment_stock_equals_issued_minus_replaced_lifted_removed_each_row():
    _, result = simulate(small_scenario(), events=False)
    ts = result.timeseries
    standing = ts[[f"issued_{lvl}" for lvl in ladder.STANDING_LEVELS]].sum(axis=1)
    net = standing - ts["punishments_replaced"] - ts["punishments_lifted"] - ts["punishments_removed"]
    assert ts["punishments_issued"].sum() > 50
    assert np.array_equal(ts["punished_total"].diff().iloc[1:].to_numpy(), net.iloc[1:].to_numpy())
    levels = ts[[f"punished_{lvl}" for lvl in ladder.STANDING_LEVELS]].sum(axis=1)
    assert (levels == ts["punished_total"]).all()


def test_member_table_keeps_one_current_punishment_per_member():
    simulation, _ = simulate(small_scenario(**_discipline()), events=False)
    pop = simulation.world.pop
    pop.check_consistency()
    punished = pop.punish_level[: pop.n] > 0
    assert punished.any()
    assert np.all(pop.punish_count[: pop.n][punished] >= 1)


def test_disabled_discipline_gives_all_zero_punishment_columns():
    _, result = simulate(small_scenario(discipline={"enabled": False}), events=False)
    ts = result.timeseries
    columns = [c for c in ts.columns if c.startswith(("punish", "issued_", "lifted_"))]
    assert len(columns) > 15
    assert ts[columns].to_numpy().sum() == 0


def test_long_run_warning_stock_is_rate_times_members_times_period():
    """Little's law: a member is under warning iff convicted within the last D days,
    D = T + the wait for the lifting meeting (about half a month); with rate r the
    stock is Binomial(N, 1 - exp(-r D))."""
    rate, period, members, reps = 0.05, 365, 2000, 5
    causes = only(lax_discipline={"rate_per_year": rate, "level": "warning"})
    scenario = small_scenario(
        duration="4y",
        population={"members": members},
        **QUIET,
        attrition={"enabled": False},
        discipline={
            "causes": causes,
            "conviction_probability": 1.0,
            "escalate_repeat": False,
            "lift_after_days": {"warning": period},
        },
    )
    finals = [Simulation(scenario, seed=s).run().timeseries["punished_warning"].iloc[-1] for s in range(reps)]
    q = 1 - math.exp(-rate * (period + 14.5) / 365.25)
    expected = members * q
    assert abs(expected - members * rate * period / 365.25) / expected < 0.05  # ~ r*N*T
    sd = math.sqrt(members * q * (1 - q) / reps)
    assert abs(np.mean(finals) - expected) < 4 * sd, (np.mean(finals), expected)


def test_a_lifting_scheduled_twice_for_the_same_meeting_is_applied_once():
    """A removal from post (1095 days) replaced two years later by probation (365 days)
    is due for lifting at the same meeting twice; the member is restored once."""
    simulation = Simulation(small_scenario(**QUIET), events=True)
    discipline, pop = simulation.world.mechanisms["discipline"], simulation.world.pop
    member = np.flatnonzero(pop.status[: pop.n] == Status.FULL)[:1]
    cause = np.array([0], dtype=np.int8)
    discipline._punish(0, member, np.array([ladder.code("removal_from_post")], dtype=np.int8), cause)
    discipline._punish(730, member, np.array([ladder.code("probation")], dtype=np.int8), cause)
    due = int(pop.lift_due[member[0]])
    discipline.decide(due)
    assert pop.status[member[0]] == Status.FULL and pop.punish_level[member[0]] == 0
    pop.check_consistency()


def test_summary_shows_expulsions_per_punishment_and_the_share_punished_a_year():
    _, result = simulate(small_scenario(duration="2y"))
    punishments = result.summary["punishments"]
    ts = result.timeseries
    issued = int(ts.punishments_issued.sum())
    assert issued > 0
    assert punishments["expulsions_per_punishment"] == pytest.approx(int(ts.issued_expulsion.sum()) / issued)
    members = (ts.members_full + ts.members_candidate + ts.members_demoted).mean()
    years = ts.day.iloc[-1] / 365.25
    assert punishments["punished_share_per_year"] == pytest.approx(issued / (members * years))


def test_punished_ids_are_the_active_punished_members_matching_every_filter():
    """Discipline.punished_ids (the amnesty's selection): each filter narrows the others, none replaces them."""
    simulation = founded()
    pop, discipline = simulation.world.pop, simulation.world.mechanisms["discipline"]
    members = full_members(simulation)[:6]
    warning, severe = ladder.code("warning"), ladder.code("severe_warning")
    pop.set_punishment(members[:4], np.array([warning, warning, severe, severe], dtype=np.int8))
    pop.punish_cause[members[:4]] = [discipline.causes.index(c) for c in ("lax_discipline", "bribery") * 2]
    pop.punish_day[members[:4]] = [10, 20, 30, 40]
    pop.transition(members[3:4], Status.EXITED)  # punished but no longer in the party
    cell = pop.cell[members[0]]
    pop.cell[members[4]] = cell  # unpunished, in the same cell

    def ids(**filters) -> list[int]:
        return sorted(set(discipline.punished_ids(**filters)) & set(members))

    assert ids() == sorted(members[:3])
    assert ids(causes=["lax_discipline"]) == [members[0], members[2]]
    assert ids(levels=["severe_warning"]) == [members[2]]
    assert ids(since=20) == [members[1], members[2]] and ids(until=20) == [members[0], members[1]]
    assert ids(since=15, until=25) == [members[1]]
    assert ids(orgs=np.array([cell])) == [members[0]] + [m for m in members[1:3] if pop.cell[m] == cell]
    assert ids(causes=["bribery"], orgs=np.array([cell])) == [m for m in [members[1]] if pop.cell[m] == cell]


def test_the_share_punished_a_year_counts_demoted_members_among_the_members():
    """summary punished_share_per_year: punishments per member-year, members on probation (demoted to candidate
    status) counted with the full and candidate members."""
    simulation, result = simulate(small_scenario(duration="6m"), events=False)
    ts = result.timeseries.copy()
    ts["punishments_issued"] = 0
    ts.loc[ts.index[-1], "punishments_issued"] = 60
    ts["members_full"], ts["members_candidate"], ts["members_demoted"] = 500, 100, 200
    columns = {name: ts[name].to_numpy() for name in ts.columns}  # what the engine hands the mechanisms
    share = simulation.world.mechanisms["discipline"].summary(columns)["punishments"]["punished_share_per_year"]
    assert share == pytest.approx(60 / (800 * ts.day.iloc[-1] / 365.25))


def test_cadres_offend_at_the_cause_rate_times_the_cadre_modifier():
    """discipline.causes[].cadre_modifier: the rate of a cause is multiplied for cell secretaries and above
    (county.yaml's bribery: 3) — one week's referrals follow each member's own weekly probability."""
    causes = only(lax_discipline={"rate_per_year": 5.0, "level": "warning", "cadre_modifier": 3.0})
    simulation = founded(critique={"enabled": False}, discipline={"causes": causes})
    pop, discipline = simulation.world.pop, simulation.world.mechanisms["discipline"]
    n = pop.n
    cadre = np.zeros(n, dtype=bool)
    cadre[::2] = True
    pop.role[:n] = np.where(cadre, Role.CELL_SECRETARY, Role.NONE)
    discipline.offend(1)
    referred = pop.referral_due[:n] > 1
    active = ACTIVE[pop.status[:n]]
    for group, factor in ((cadre & active, 3.0), (~cadre & active, 1.0)):
        p = -math.expm1(-5.0 * factor * 7 / 365.25)  # the weekly probability (offences are drawn weekly)
        k, m = referred[group].sum(), group.sum()
        assert abs(k - m * p) < 4 * math.sqrt(m * p * (1 - p)), (factor, k, m * p)


def test_the_weekly_probability_table_holds_the_numbers_the_week_s_array_expression_gives():
    """Discipline._exposure computes each cause's weekly probability by sector and office once: entry
    ``2 * sector + cadre`` must be, bit for bit, what the expression on a week's offenders gives for a member
    of that sector and office (their factor, the sector's times the cadre modifier or 1), so that the
    thinning keeps the same members."""
    from sim.mechanisms.discipline import OFFENCE_STEP_DAYS, Discipline
    from sim.model.founding import DAYS_PER_YEAR
    from sim.model.sectors import SECTORS

    spec = SimpleNamespace(
        rate_per_year=0.0043, sector_modifiers={SECTORS[1]: 4.0, SECTORS[-1]: 0.7}, cadre_modifier=3.0
    )
    by_sector, by_office, p, _ = Discipline._exposure(spec)
    assert by_sector and by_office
    sectors = np.repeat(np.arange(len(SECTORS)), 2 * 50)  # many members: the expression's vector path too
    cadre = np.tile(np.repeat([False, True], 50), len(SECTORS))
    factor = np.array([spec.sector_modifiers.get(s, 1.0) for s in SECTORS]).take(sectors)
    factor = factor * np.where(cadre, spec.cadre_modifier, 1.0)
    expected = -np.expm1(-spec.rate_per_year * factor * OFFENCE_STEP_DAYS / DAYS_PER_YEAR)
    assert p.take(sectors * 2 + cadre).tolist() == expected.tolist()
    for row in (0, 1, 2 * len(SECTORS) - 1):  # one member a week (a small party's): the same numbers
        one = -np.expm1(-spec.rate_per_year * factor[row * 50 : row * 50 + 1] * OFFENCE_STEP_DAYS / DAYS_PER_YEAR)
        assert one.tolist() == [p[2 * sectors[row * 50] + cadre[row * 50]]]


def test_the_meetings_of_one_a_few_or_many_cells_are_the_calendar_s_array_answer():
    """Discipline._meetings looks one cell's meeting up as a scalar, and a few cells' own days (a list) one by
    one: each must be the meeting the calendar's table gives for the cells' array, whatever the path."""
    from sim.mechanisms.discipline import FEW_MEETINGS

    simulation = Simulation(small_scenario(**_discipline()), seed=1)
    discipline = next(m for m in simulation.mechanisms if m.name == "discipline")
    meeting_day = simulation.world.orgs.meeting_day
    rng = np.random.default_rng(7)
    cells = rng.choice(np.flatnonzero(meeting_day > 0), 3 * FEW_MEETINGS).astype(np.int32)
    days = rng.integers(0, simulation.world.calendar.horizon + 365, len(cells))
    for n in (1, 2, FEW_MEETINGS, len(cells)):
        expected = discipline.next_meeting.of(days[:n], meeting_day.take(cells[:n])).tolist()
        assert np.atleast_1d(discipline._meetings(days[:n].tolist(), cells[:n])).tolist() == expected
        assert np.atleast_1d(discipline._meetings(days[:n], cells[:n])).tolist() == expected
        one_day = discipline.next_meeting.of(int(days[0]), meeting_day.take(cells[:n])).tolist()
        assert np.atleast_1d(discipline._meetings(int(days[0]), cells[:n])).tolist() == one_day
