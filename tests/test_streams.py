"""One random stream per mechanism: a draw added in one mechanism leaves every other's draws unchanged.

Source: DESIGN.md, "Randomness and reproducibility": one generator per
mechanism, derived from the run's seed and the mechanism's name, so that
paired what-if comparisons (common random numbers) stay sharp.

How it is checked: every generator handed out by ``World.rng`` is wrapped in a
recorder that logs each call (method, arguments, result). In a run where one
mechanism's stream is made to consume one extra draw first, every mechanism's
logged calls are then replayed on a fresh ``stream(seed, name)`` of its own:
they must give exactly the logged results, i.e. each mechanism drew the
numbers of its own stream and nothing else, whatever the perturbed mechanism
did. Where a mechanism asked for the same draws as in the unperturbed run,
it must also have got the same numbers (the common prefix of the two logs).
The scenario is one year of the county around a Congress cycle, so that every
mechanism (campaigns, amnesty and the Congress included) draws.
"""

from __future__ import annotations

import copy
from collections import defaultdict

import numpy as np
import pytest

import sim
from sim.model.streams import stream
from sim.model.world import World
from sim.run.engine import MECHANISMS, Simulation
from tests.conftest import SCENARIOS

SEED = 3
NAMES = [mechanism.name for mechanism in MECHANISMS]


class RecordingGenerator:
    """A Generator whose every call is logged as (method, args before, kwargs, result, args after)."""

    def __init__(self, generator: np.random.Generator, log: list):
        self._generator = generator
        self._log = log

    def __getattr__(self, name: str):
        attribute = getattr(self._generator, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            before = copy.deepcopy((args, kwargs))
            result = attribute(*args, **kwargs)
            self._log.append((name, before, copy.deepcopy(result), copy.deepcopy(args)))
            return result

        return call


def same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def scenario() -> sim.Scenario:
    """The county with military service on (founders of every age, so some are discharged) and enough
    applications that cells outgrow their bound (re-organization splits them): every mechanism draws."""
    return sim.load_scenario(
        SCENARIOS / "county.yaml",
        [
            "population.members=800",
            "start=2020-01-15",
            "duration=13m",
            "record_every=1m",
            "organization.military_service.enabled=true",
            "organization.military_service.conscripts_per_year=200",
            "organization.military_service.application_share=0.2",
            "population.age_distribution=uniform",
            "membership.applications_per_member_year=0.3",
        ],
    )


def recorded_run(monkeypatch, extra_draw_in: str | None) -> tuple[dict[str, list], list[str]]:
    """Run once with every stream recorded; ``extra_draw_in``'s stream first consumes one extra draw."""
    logs: dict[str, list] = defaultdict(list)
    requested: list[str] = []
    handed_out = World.rng

    def rng(world: World, name: str):
        generator = handed_out(world, name)
        requested.append(name)
        if name == extra_draw_in:
            generator.random()
        return RecordingGenerator(generator, logs[name])

    with monkeypatch.context() as patch:
        patch.setattr(World, "rng", rng)
        Simulation(scenario(), seed=SEED).run()
    return logs, requested


@pytest.fixture(scope="module")
def unperturbed():
    with pytest.MonkeyPatch.context() as patch:
        return recorded_run(patch, None)


def replay(name: str, log: list, extra_draw: bool) -> None:
    """The logged calls of ``name``, made again on a fresh stream of its own, give the logged results."""
    fresh = stream(SEED, name)
    if extra_draw:
        fresh.random()
    for i, (method, (args, kwargs), result, after) in enumerate(log):
        args = copy.deepcopy(args)
        again = getattr(fresh, method)(*args, **kwargs)
        assert same(again, result) and same(args, after), f"{name}: draw {i} ({method}) is not its own stream's"


def test_each_mechanism_asks_for_one_stream_named_after_it(unperturbed):
    _, requested = unperturbed
    assert requested == NAMES
    assert len(set(NAMES)) == len(NAMES)


def test_every_mechanism_draws_in_the_test_scenario(unperturbed):
    logs, _ = unperturbed
    silent = [name for name in NAMES if not logs[name]]
    # Meetings follow the calendar and amnesties lift what the order names: neither draws.
    assert silent == ["meetings", "amnesty"], "a mechanism that draws nothing here leaves its stream unchecked"


def test_each_mechanism_draws_only_from_its_own_stream(unperturbed):
    logs, _ = unperturbed
    for name in NAMES:
        replay(name, logs[name], extra_draw=False)


@pytest.mark.parametrize("perturbed", NAMES)
def test_an_extra_draw_in_one_mechanism_leaves_every_other_mechanisms_draws_unchanged(
    monkeypatch, unperturbed, perturbed
):
    base, _ = unperturbed
    logs, _ = recorded_run(monkeypatch, perturbed)
    for name in NAMES:
        replay(name, logs[name], extra_draw=name == perturbed)
        if name == perturbed:
            continue
        # Identical requests get identical numbers until the perturbation reaches this mechanism's state.
        for i, (call, call_base) in enumerate(zip(logs[name], base[name], strict=False)):
            if call[0] != call_base[0] or not same(call[1], call_base[1]):
                break
            assert same(call[2], call_base[2]), f"{name}: draw {i} changed by an extra draw in {perturbed}"


def test_streams_differ_by_name_and_by_seed_and_repeat_for_the_same_pair():
    first = {name: stream(SEED, name).random(4) for name in [*NAMES, "founding"]}
    values = [tuple(v) for v in first.values()]
    assert len(set(values)) == len(values)
    assert np.array_equal(stream(SEED, "critique").random(4), first["critique"])
    assert not np.array_equal(stream(SEED + 1, "critique").random(4), first["critique"])


def test_the_world_hands_out_the_named_stream():
    simulation = Simulation(scenario(), seed=SEED)
    for name in NAMES:
        assert np.array_equal(simulation.world.rng(name).random(4), stream(SEED, name).random(4))
