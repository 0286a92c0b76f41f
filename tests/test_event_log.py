"""The event log's table (events.parquet): its columns and their types, with or without events.

Source: docs/reference/outputs.md — one row per event: ``date``, ``day``, ``kind``, ``member``,
``org``, ``cause``, ``level``, ``value``.
"""

from __future__ import annotations

import numpy as np

from sim.model.tally import EventLog
from sim.run.engine import Simulation
from tests.conftest import small_scenario

COLUMNS = ["date", "day", "kind", "member", "org", "cause", "level", "value"]
START = np.datetime64("2020-01-01")


def _types(frame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


def test_an_empty_event_log_has_the_columns_and_types_of_a_full_one():
    log = EventLog(enabled=True)
    empty = log.frame(START)
    log.log(3, "referral", np.array([4, 5]), np.array([1, 1]), cause="lax_discipline")
    log.log(4, "critique", orgs=np.array([2]), value=np.array([7.0]))
    full = log.frame(START)
    assert list(empty.columns) == list(full.columns) == COLUMNS and len(empty) == 0
    assert _types(empty) == _types(full)
    assert _types(full)["day"] == "int32" and _types(full)["member"] == _types(full)["org"] == "int64"


def test_an_event_row_names_member_and_org_or_leaves_them_minus_one():
    log = EventLog(enabled=True)
    log.log(3, "referral", np.array([4, 5]), np.array([1, 2]), cause="lax_discipline")
    log.log(4, "critique", orgs=np.array([2]), value=np.array([7.0]))
    log.log(5, "congress_announced", cause="8th")
    log.log(6, "nothing", np.array([], dtype=np.int64))
    frame = log.frame(START)
    assert frame.kind.tolist() == ["referral", "referral", "critique", "congress_announced"]
    assert frame.member.tolist() == [4, 5, -1, -1] and frame.org.tolist() == [1, 2, 2, -1]
    assert frame.cause.tolist() == ["lax_discipline", "lax_discipline", "", "8th"]
    assert frame.value.isna().tolist() == [True, True, False, True] and frame.value[2] == 7.0
    assert frame.date.tolist()[0] == np.datetime64("2020-01-04")
    assert len(EventLog(enabled=False).frame(START)) == 0


def test_a_critique_session_row_names_the_unit_in_session_and_its_members():
    """The daily life-review sessions (critique): one row per unit in session, ``value`` its members that day."""
    simulation = Simulation(small_scenario(), seed=1, events=True)
    world = simulation.world
    critique = world.mechanisms["critique"]
    critique.step(3)
    frame = world.events.frame(world.calendar.start64)
    rows = frame[frame.kind == "critique"]
    in_session = np.concatenate([critique.cohorts.ids(key) for key in critique.cohorts_today(3)])
    assert len(rows) == len(in_session) > 0 and (rows.day == 3).all()
    assert sorted(rows.org) == sorted(in_session)
    assert (rows.value.to_numpy() == world.pop.org_size[rows.org.to_numpy()]).all()
