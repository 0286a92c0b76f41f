"""The calendar queue of deferred procedures returns exactly what a per-day dictionary would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.agenda import NEVER, OPEN_IN_PYTHON, Agenda

pushes = st.lists(
    st.tuples(
        st.integers(0, 60),
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 90)), min_size=1, max_size=30, unique_by=lambda t: t[0]),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(pushes)
def test_pop_returns_every_id_due_by_the_day_once_and_sorted(plan):
    """Pushes made on ``today`` for later days, popped daily: compared with a naive per-day dictionary, and
    ``next_day`` never later than the earliest day it holds."""
    agenda, naive = Agenda(), {}
    by_day: dict[int, list] = {}
    for today, entries in plan:
        by_day.setdefault(today, []).append(entries)
    for today in range(160):
        # next_day() is never later than the earliest day due: a caller that skips the pop before it loses nothing.
        assert agenda.next_day() <= min(naive, default=NEVER)
        assert naive or agenda.next_day() == NEVER  # nothing held: no day to wake for
        got = agenda.pop(today)
        expected = sorted({i for day in [d for d in naive if d <= today] for i in naive.pop(day)})
        assert got.tolist() == expected
        for entries in by_day.get(today, []):
            ids = np.array([i for i, _ in entries])
            days = np.array([today + offset for _, offset in entries])
            agenda.push(ids, days)
            for i, d in zip(ids.tolist(), days.tolist()):
                naive.setdefault(d, []).append(i)
        assert len(agenda) == sum(len(v) for v in naive.values())


def test_one_day_for_every_id():
    agenda = Agenda()
    agenda.push(np.array([5, 3]), 9)
    assert agenda.pop(8).size == 0 and agenda.pop(20).tolist() == [3, 5] and len(agenda) == 0


def test_one_day_for_all_and_days_per_id_in_one_bucket_small_or_large():
    """Pushes of one day for all go to their day's list before the bucket is opened; with a push of days
    per id into that bucket (grouped in Python: a few ids; opened from the bucket: many), each id still
    comes back on its day."""
    for size in (3, OPEN_IN_PYTHON):
        agenda = Agenda()
        agenda.push(np.arange(size), 40)
        agenda.push(np.arange(size, 2 * size), 41 + np.arange(size) % 3)
        agenda.push(np.arange(2 * size, 3 * size), 42)
        expected = {40: list(range(size)), 41: [], 42: list(range(2 * size, 3 * size)), 43: []}
        for offset, member in enumerate(range(size, 2 * size)):
            expected[41 + offset % 3].append(member)
        assert agenda.pop(39).size == 0
        for day in (40, 41, 42, 43):
            assert agenda.pop(day).tolist() == sorted(expected[day]), (size, day)
        assert len(agenda) == 0


def test_many_ids_pushed_twice_come_back_once_sorted():
    """A day of many ids, some pushed twice (one push sorted by its days as they are, one by 16-bit offsets):
    each id comes back once, in order, on its day."""
    from sim.model.agenda import SORT_AS_IS

    rng = np.random.default_rng(3)
    agenda, naive = Agenda(), {}
    for size in (SORT_AS_IS // 4, SORT_AS_IS * 4):
        ids = rng.permutation(2 * size)[:size]
        days = 5 + rng.integers(0, 40, size)
        agenda.push(ids, days)
        for i, d in zip(ids.tolist(), days.tolist()):
            naive.setdefault(d, set()).add(i)
    for day in range(50):
        assert agenda.pop(day).tolist() == sorted(naive.pop(day, set()))
    assert len(agenda) == 0


def test_pushes_kept_until_the_pop_are_filed_together_with_the_few_after_them():
    """Many ids of several days, then a few (kept with them), then one day for some: ``next_day`` sees the
    earliest kept day before anything is filed, and each day's pop gives its ids of every push once, sorted."""
    from sim.model.agenda import SMALL

    rng = np.random.default_rng(5)
    agenda, naive = Agenda(), {}
    for today in range(0, 90, 3):
        assert agenda.next_day() <= min(naive, default=NEVER)
        for size, one_day in ((SMALL + 20, False), (3, False), (2, True), (SMALL * 3, False)):
            ids = rng.permutation(400)[:size]
            days = today + 1 if one_day else today + rng.integers(0, 35, size)
            agenda.push(ids, days)
            for i, d in zip(ids.tolist(), np.broadcast_to(days, size).tolist()):
                naive.setdefault(d, set()).add(i)
            assert agenda.next_day() <= min(naive)
        for day in range(today, today + 3):
            expected = sorted(set().union(*(naive.pop(d) for d in [d for d in naive if d <= day])))
            assert agenda.pop(day).tolist() == expected
        assert len(agenda) >= sum(len(v) for v in naive.values())  # repeats count until popped


def test_sixteen_bit_keys_sort_days_as_they_are_sorted():
    """The 16-bit keys a large push or a bucket is sorted by give the stable order of the days themselves:
    days within 16 bits, negative days, days spanning more than 16 bits."""
    from sim.model.agenda import _sixteen_bits

    rng = np.random.default_rng(8)
    for low, high in ((0, 40), (1_000, 32_000), (-50, 20), (-40_000, -39_000), (5, 70_000)):
        days = rng.integers(low, high, 600)
        assert np.array_equal(_sixteen_bits(days).argsort(kind="stable"), days.argsort(kind="stable")), (low, high)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 5]))
def test_a_large_partys_pushes_and_pops_return_what_a_per_day_dictionary_would(seed, every):
    """A large party's day (the 1 M run's shape): several pushes of tens to hundreds of ids, due from today to
    a month ahead (reviews, decisions) or one to three years ahead (probations, liftings), repeats included,
    and pushes of one day for all; popped every ``every`` days. Each pop gives what a per-day dictionary
    would: every id due by then once, sorted."""
    rng = np.random.default_rng(seed)
    agenda, naive = Agenda(), {}
    for today in range(200):
        if today % every == 0:
            expected = sorted(set().union(*(naive.pop(d) for d in [d for d in naive if d <= today])))
            assert agenda.pop(today).tolist() == expected, today
        for _ in range(int(rng.integers(0, 5))):
            size = int(rng.choice([1, 3, 17, 120, 300, 700]))
            ids = rng.integers(0, 5_000, size)
            if rng.random() < 0.2:
                days = today + int(rng.integers(0, 40))
            elif rng.random() < 0.3:
                days = today + rng.integers(365, 1_125, size) // 16 * 16 + rng.integers(0, 3, size)
            else:
                days = today + rng.integers(0, 33, size)
            agenda.push(ids, days)
            for i, d in zip(ids.tolist(), np.broadcast_to(days, size).tolist()):
                naive.setdefault(d, set()).add(i)
        assert agenda.next_day() <= min(naive, default=NEVER)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 3]), st.sampled_from([40, 5_000]))
def test_a_large_partys_ratifications_filed_one_by_one_come_back_as_a_per_day_dictionary_would(seed, every, ids):
    """The 1 M run's ratifications: pushes of a few ids (up to ``SMALL``) due within a month, each id filed
    as a Python int in its day's list, mixed with pushes of one day for all (arrays in the same lists) and
    large pushes kept for the pop; from a few ``ids`` (repeats on one day) or many; popped every ``every``
    days, so that a pop gathers from one to many more than ``SMALL`` ids. Each pop gives what a per-day
    dictionary would: every id due by then once, sorted, as int64."""
    from sim.model.agenda import SMALL

    rng = np.random.default_rng(seed)
    agenda, naive = Agenda(), {}
    for today in range(120):
        if today % every == 0:
            expected = sorted(set().union(*(naive.pop(d) for d in [d for d in naive if d <= today])))
            got = agenda.pop(today)
            assert got.dtype == np.int64 and got.tolist() == expected, today
        for _ in range(int(rng.integers(0, 4))):
            size = int(rng.choice([1, 2, 5, 11, SMALL, 40]))
            pushed = rng.integers(0, ids, size)
            days = today + (int(rng.integers(1, 31)) if rng.random() < 0.2 else rng.integers(1, 31, size))
            agenda.push(pushed, days)
            for i, d in zip(pushed.tolist(), np.broadcast_to(days, size).tolist()):
                naive.setdefault(d, set()).add(i)
        assert agenda.next_day() <= min(naive, default=NEVER)


def test_a_day_filed_one_by_one_past_the_few_and_a_pushed_array_of_one_id_come_back_whole():
    """A day whose list of ids filed one by one grows past ``SMALL`` (popped by the path of many ids), and
    a day of one id from such a list or from a pushed array, which the pop copies (the caller's array is
    not handed back)."""
    from sim.model.agenda import SMALL

    agenda = Agenda()
    for first in range(0, 2 * SMALL + 2, 2):
        agenda.push(np.array([first + 1, first]), np.array([3, 3 + first % 4 + 1]))  # one id each on day 3
    pushed = np.array([7])
    agenda.push(pushed, np.array([20]))
    agenda.push(np.array([8, 9]), np.array([21, 22]))
    due = agenda.pop(3)
    assert due.tolist() == list(range(1, 2 * SMALL + 2, 2)) and due.dtype == np.int64
    assert agenda.pop(19).tolist() == sorted(range(0, 2 * SMALL + 2, 2))
    due = agenda.pop(20)
    assert due.tolist() == [7] and due is not pushed and not np.shares_memory(due, pushed)
    assert agenda.pop(21).tolist() == [8] and agenda.pop(22).tolist() == [9] and len(agenda) == 0
