"""Group-wise weighted sampling and ranking, the primitives behind delegate selection and elections."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import arrays, sampling
from sim.model.arrays import (
    MAX_TOP_PASSES,
    concatenated_ranges,
    count_nonzero,
    rank_within,
    row_range,
    store_index,
    top_within,
)
from sim.model.sampling import bernoulli_keep, bernoulli_rows, bernoulli_split, draw_integers, thin, weighted_top_k


def test_rank_within_orders_groups_then_best_score_first_like_lexsort():
    rng = np.random.default_rng(11)
    group, score = rng.integers(0, 50, 5000), rng.normal(size=5000)
    order, rank = rank_within(group, score)
    assert np.array_equal(order, np.lexsort((-score, group)))
    sorted_group = group[order]
    for g in (0, 17, 49):
        assert np.array_equal(rank[sorted_group == g], np.arange(np.count_nonzero(group == g)))


def test_the_worst_score_stays_in_its_group():
    """The lowest score quantizes to the top of the score bits; it must not carry into the next group's."""
    group, score = np.array([1, 1, 0, 0]), np.array([5.0, 4.0, 0.0, 3.0])
    order, rank = rank_within(group, score)
    assert order.tolist() == [3, 2, 0, 1] and rank.tolist() == [0, 1, 0, 1]


def _ranked_below(group, score, k):
    """(row, rank) pairs rank_within ranks below k (k per group if an array)."""
    order, rank = rank_within(group, score)
    keep = rank < (k[group[order]] if np.ndim(k) else k)
    return set(zip(order[keep].tolist(), rank[keep].tolist()))


@pytest.fixture
def passes(monkeypatch):
    """:func:`top_within` by its passes even on rows few enough to check (it sorts up to ``SORT_ROWS`` rows)."""
    monkeypatch.setattr(arrays, "SORT_ROWS", 0)


@pytest.mark.parametrize("sort_rows", [0, arrays.SORT_ROWS])
def test_top_within_gives_the_rows_and_ranks_rank_within_gives_below_k_ties_included(monkeypatch, sort_rows):
    """Elections take only the few best of each group: the same rows and ranks as the full ranking,
    with equal (and quantum-close) scores keeping their input order, for k fixed or per group, whether
    taken by passes or, for a few rows, by one sort."""
    monkeypatch.setattr(arrays, "SORT_ROWS", sort_rows)
    rng = np.random.default_rng(5)
    for trial in range(300):
        n, groups = int(rng.integers(0, 400)), int(rng.integers(1, 50))
        group = rng.integers(0, groups, n)
        score = rng.integers(0, 4, n).astype(np.float64) if trial % 2 else rng.normal(size=n)
        k = int(rng.integers(0, 9)) if trial % 3 else rng.integers(0, 6, groups)
        rows, rank = top_within(group, score, k)
        assert len(rows) == len(set(rows.tolist()))
        assert set(zip(rows.tolist(), rank.tolist())) == _ranked_below(group, score, k)


def test_top_within_drops_full_groups_from_later_passes_without_changing_rows_ranks_or_their_order(passes):
    """Cells without a committee have two seats, the few with one five: after two passes most rows
    leave. The rows and ranks are the full ranking's, in the order of passes over every row."""
    rng = np.random.default_rng(7)
    for trial in range(100):
        n, groups = int(rng.integers(50, 600)), int(rng.integers(5, 60))
        group = rng.integers(0, groups, n)
        score = rng.integers(0, 4, n).astype(np.float64) if trial % 2 else rng.normal(size=n)
        k = np.where(rng.random(groups) < 0.9, 2, 5)
        rows, rank = top_within(group, score, k)
        assert set(zip(rows.tolist(), rank.tolist())) == _ranked_below(group, score, k)
        assert np.array_equal(rank, np.sort(rank, kind="stable"))  # by rank, then group
        for seat in range(5):
            assert np.all(np.diff(group[rows[rank == seat]]) > 0)


def test_top_within_of_groups_in_runs_gives_the_full_rankings_rows_and_ranks(passes):
    """Members of a whole party come unit by unit (every group one run of rows, in any order of groups);
    a regular election's come by unit, then those joined since (a group in several runs). Reducing over
    the runs takes the same rows and ranks as the full ranking, ties included, for k fixed or per group
    (groups of two seats leaving the later passes)."""
    rng = np.random.default_rng(8)
    for trial in range(300):
        groups = int(rng.integers(1, 60))
        runs = rng.permutation(groups) if trial % 2 else np.arange(groups)
        if trial % 3 == 0:  # some groups in several runs
            runs = np.concatenate([runs, rng.integers(0, groups, int(rng.integers(1, 20)))])
        group = np.repeat(runs, rng.integers(arrays.RUN_ROWS, 12, len(runs))).astype(np.int32)
        n = len(group)
        score = rng.integers(0, 4, n).astype(np.float64) if trial % 5 else rng.normal(size=n)
        k = int(rng.integers(0, 9)) if trial % 4 == 0 else np.where(rng.random(groups) < 0.8, 2, 5)
        rows, rank = top_within(group, score, k)
        assert len(rows) == len(set(rows.tolist()))
        assert set(zip(rows.tolist(), rank.tolist())) == _ranked_below(group, score, k)
        assert np.array_equal(rank, np.sort(rank, kind="stable"))  # by rank: the passes over the runs


def test_top_within_beyond_its_passes_or_its_key_bits_takes_the_full_ranking():
    rng = np.random.default_rng(6)
    group, score = rng.integers(0, 3, 200), rng.normal(size=200)
    rows, rank = top_within(group, score, MAX_TOP_PASSES + 5)
    assert set(zip(rows.tolist(), rank.tolist())) == _ranked_below(group, score, MAX_TOP_PASSES + 5)
    huge = np.array([2**45, 2**45, 3])  # group ids too wide to pack: lexsort
    rows, rank = top_within(huge, np.array([1.0, 2.0, 0.0]), 1)
    assert sorted(zip(rows.tolist(), rank.tolist())) == [(1, 0), (2, 0)]


def test_row_range_is_the_slice_of_consecutive_rising_ids_and_leaves_other_ids_as_they_are():
    assert row_range(np.arange(5, 12)) == slice(5, 12)
    for ids in ([5, 7, 6, 8], [5, 6, 6, 8], [5, 7, 8], [8, 7, 6, 5], []):
        ids = np.array(ids, dtype=np.int64)
        assert row_range(ids) is ids


def test_store_index_is_one_int_for_one_id_and_the_ids_otherwise_storing_alike():
    one, many = np.array([4]), np.array([1, 4, 6])
    assert store_index(one) == 4 and isinstance(store_index(one), int)
    assert store_index(many) is many
    for ids in (one, many):
        by_index, by_ids = np.zeros(8, dtype=np.int32), np.zeros(8, dtype=np.int32)
        by_index[store_index(ids)] = 7
        by_ids[ids] = 7
        assert by_index.tolist() == by_ids.tolist()


def test_one_draw_per_group_picks_each_item_with_probability_proportional_to_its_weight():
    """k = 1: item i of a group is chosen with probability w_i / sum(w); 4-sigma binomial bounds."""
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    groups_count = 20_000
    groups = np.repeat(np.arange(groups_count), len(weights))
    chosen = weighted_top_k(
        np.random.default_rng(3), groups, np.tile(weights, groups_count), np.ones(groups_count, dtype=np.int64)
    )
    assert len(chosen) == groups_count
    share = np.bincount(chosen % len(weights), minlength=len(weights)) / groups_count
    expected = weights / weights.sum()
    assert np.all(np.abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / groups_count))


def test_zero_weights_are_never_chosen_and_small_groups_give_all_they_have():
    groups = np.array([0, 0, 0, 1, 1, 2])
    weights = np.array([0.0, 1.0, 5.0, 0.0, 0.0, 2.0])
    chosen = weighted_top_k(np.random.default_rng(0), groups, weights, np.array([3, 1, 1]))
    assert chosen.tolist() == [1, 2, 5]


def test_weighted_top_k_takes_each_groups_best_gumbel_keys_whether_or_not_some_weights_are_zero():
    """The definition, group by group: the positive items keyed log(w) + one Gumbel draw each, in item order."""
    rng = np.random.default_rng(11)
    for zeros in (False, True):
        groups = np.sort(rng.integers(0, 30, 2_000))
        weights = rng.random(2_000) + 0.01
        if zeros:
            weights[rng.random(2_000) < 0.3] = 0.0
        k = rng.integers(0, 8, 30)
        chosen = weighted_top_k(np.random.default_rng(4), groups, weights, k)
        positive = np.flatnonzero(weights > 0)
        keys = dict(
            zip(
                positive.tolist(),
                (np.log(weights[positive]) + np.random.default_rng(4).gumbel(size=len(positive))).tolist(),
            )
        )
        expected = sorted(
            item
            for group in range(30)
            for item in sorted((i for i in keys if groups[i] == group), key=keys.__getitem__, reverse=True)[: k[group]]
        )
        assert chosen.tolist() == expected


def test_bernoulli_split_draws_one_uniform_per_id_in_order_and_keeps_the_rest():
    """The halves are what comparing one uniform per id with p gives, whether all, none or some pass."""
    for p in (0.0, 0.3, np.linspace(0, 1, 7), 1.0):
        ids = np.arange(10, 17)
        kept, rest = bernoulli_split(np.random.default_rng(5), ids, p)
        passed = np.random.default_rng(5).random(len(ids)) < p
        assert kept.tolist() == ids[passed].tolist() and rest.tolist() == ids[~passed].tolist()


def test_a_few_integers_drawn_one_call_each_are_the_generators_numbers_and_leave_its_state_alike():
    # Odd counts leave half of a 64-bit output in the stream's state: the next draws must see it too.
    for counts in ((1, 2), (3, 1, 5), (2, 2, 1), (4, 3)):
        sized, few = np.random.default_rng(11), np.random.default_rng(11)
        expected = [sized.integers(1, 31, n) for n in counts]
        drawn = [np.atleast_1d(draw_integers(few, 1, 31, n)) for n in counts]
        for want, got in zip(expected, drawn, strict=True):
            assert want.tolist() == got.tolist() and got.dtype == np.int64
        assert sized.integers(0, 1000, 3).tolist() == few.integers(0, 1000, 3).tolist()
        assert sized.random() == few.random()


def test_bernoulli_split_of_one_id_draws_the_uniform_of_an_array_draw_and_leaves_the_stream_alike():
    ids = np.array([42])
    for p in (0.0, 0.4, 0.6, 1.0, np.array([0.5])):
        for seed in range(20):
            one, array = np.random.default_rng(seed), np.random.default_rng(seed)
            kept, rest = bernoulli_split(one, ids, p)
            passed = array.random(1) < p
            assert kept.tolist() == ids[passed].tolist() and rest.tolist() == ids[~passed].tolist()
            assert one.random() == array.random()


def test_thinning_keeps_the_rows_thin_keeps_with_the_same_draws():
    """One uniform per row, in order, compared with accept / p_max: the mask behind ``thin``'s ids."""
    ids, accept = np.arange(100, 120), np.linspace(0, 0.02, 20).astype(np.float32)
    ours, thins = np.random.default_rng(9), np.random.default_rng(9)
    kept = sampling.thinning(ours, accept, 0.02)
    assert ids[kept].tolist() == sampling.thin(thins, ids, accept, 0.02).tolist()
    assert ours.random() == thins.random()


@pytest.mark.parametrize("p", [2.2e-311, 1e-15, 1e-9, 0.0027, 0.1, 0.3333, 1 / 3, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 7])
def test_geometric_gaps_are_numpys_geometric_draw_for_draw_and_leave_the_stream_where_it_leaves_it(p, seed):
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    for size in (1, 70, sampling.FEW_GAPS - 1, sampling.FEW_GAPS, 21_300):
        cap = 10**6
        expected = numpys.geometric(p, size)
        if p < sampling.CAP_GAPS_BELOW:
            expected = np.minimum(expected, cap)
        with np.errstate(all="raise"):  # no overflow for a subnormal p either
            gaps = sampling._geometric(ours, p, size, cap)
        np.testing.assert_array_equal(gaps, expected)
    assert ours.random() == numpys.random()


@pytest.mark.parametrize(("n", "p"), [(1, 0.5), (1000, 0.01), (200_000, 0.0027), (50, 1e-13)])
def test_bernoulli_rows_are_the_cumulated_geometric_gaps_below_n(n, p):
    rows = bernoulli_rows(np.random.default_rng(3), n, p)
    reference_rng, expected, last = np.random.default_rng(3), [], -1
    while last < n:  # the definition, one chunk at a time as bernoulli_rows sizes them
        size = int(n * p + 5 * np.sqrt(n * p) + 16)
        gaps = np.minimum(reference_rng.geometric(p, size), n + 1)
        chunk = last + np.cumsum(gaps)
        expected.append(chunk)
        last = int(chunk[-1])
    expected_rows = np.concatenate(expected)
    np.testing.assert_array_equal(rows, expected_rows[expected_rows < n])
    assert np.all(np.diff(rows) > 0) and (len(rows) == 0 or rows[-1] < n)


def _rows_by_definition(rng: np.random.Generator, n: int, p: float, size: int) -> np.ndarray:
    """Rows below n of the cumulated geometric gaps, drawn in chunks of ``size`` until one passes n."""
    expected, last = [], -1
    while last < n:
        chunk = last + np.cumsum(np.minimum(rng.geometric(p, size), n + 1))
        expected.append(chunk)
        last = int(chunk[-1])
    rows = np.concatenate(expected)
    return rows[rows < n]


@pytest.mark.parametrize(("n", "p"), [(12_000, 0.0001), (12_000, 0.0006), (40, 0.1), (3, 0.3), (10, 1e-11)])
def test_a_few_rows_expected_are_summed_from_the_same_draws_and_leave_the_stream_where_the_arrays_do(n, p):
    assert n * p <= sampling.FEW_EXPECTED
    size = int(n * p + 5 * np.sqrt(n * p) + 16)
    for seed in range(30):
        ours, reference = np.random.default_rng(seed), np.random.default_rng(seed)
        rows = bernoulli_rows(ours, n, p)
        assert rows.dtype == np.int64
        np.testing.assert_array_equal(rows, _rows_by_definition(reference, n, p, size))
        assert ours.random() == reference.random()


def test_a_few_rows_expected_take_as_many_chunks_as_reach_n():
    """Chunks of two gaps: most selections need several (the chunk sizes of bernoulli_rows nearly never do)."""
    for seed in range(30):
        ours, reference = np.random.default_rng(seed), np.random.default_rng(seed)
        rows = sampling._few_rows(ours, 200, 0.02, 2)
        np.testing.assert_array_equal(rows, _rows_by_definition(reference, 200, 0.02, 2))
        assert ours.random() == reference.random()


def test_bernoulli_keep_draws_what_bernoulli_split_keeps_and_leaves_the_stream_alike():
    for n in (1, 2, 50):
        for p in (0.0, 0.3, 1.0):
            ids = np.arange(100, 100 + n, dtype=np.int64)
            split, keep = np.random.default_rng(8), np.random.default_rng(8)
            assert np.array_equal(bernoulli_keep(keep, ids, p), bernoulli_split(split, ids, p)[0])
            assert keep.random() == split.random()


def test_count_nonzero_counts_as_numpy_does():
    """``arrays.count_nonzero`` (NumPy's C count without its dispatch layer) gives ``np.count_nonzero``'s
    number, as a plain integer, on flags and numbers, empty, small and large, and on strided views."""
    rng = np.random.default_rng(5)
    for size in (0, 1, 3, 64, 100_003):
        flags = rng.random(size) < 0.3
        for array in (flags, flags[::3], rng.integers(-2, 3, size)):
            got = count_nonzero(array)
            assert got == np.count_nonzero(array) and int(got) == got


def test_concatenated_ranges_lists_every_range_in_order():
    """``concatenated_ranges`` gives each range's positions, in order, as a loop over the ranges would: empty
    ranges among them, overlapping and descending starts, none at all, with and without the total given."""
    rng = np.random.default_rng(3)
    for count in (0, 1, 7, 300):
        starts = rng.integers(0, 1_000, count)
        lengths = rng.integers(0, 5, count)
        expected = [start + i for start, length in zip(starts.tolist(), lengths.tolist()) for i in range(length)]
        assert concatenated_ranges(starts, lengths).tolist() == expected
        assert concatenated_ranges(starts, lengths, int(lengths.sum())).tolist() == expected


def test_thin_with_one_probability_for_all_draws_as_with_one_each():
    """``thin`` with one acceptance for all ids (a weekly offence that depends on neither sector nor office) keeps
    the same ids and leaves the stream where the same acceptance given per id does."""
    ids = np.arange(5, 505)
    one, each = np.random.default_rng(11), np.random.default_rng(11)
    kept = thin(one, ids, 0.004, 0.01)
    assert np.array_equal(kept, thin(each, ids, np.full(len(ids), 0.004), 0.01))
    assert 0 < len(kept) < len(ids) and one.random() == each.random()
