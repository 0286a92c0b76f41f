"""The day-0 build's bookkeeping helpers against the NumPy routines they stand in for (sim.model.structure)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.structure import _groups, _groups_of


@pytest.mark.parametrize("seed", range(5))
def test_groups_of_is_what_np_unique_returns_with_index_and_inverse(seed):
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 40, size=int(rng.integers(1, 300)))
    groups, first, place = _groups_of(keys)
    expected = np.unique(keys, return_index=True, return_inverse=True)
    for got, want in zip((groups, first, place), expected, strict=True):
        assert np.array_equal(got, want)


@pytest.mark.parametrize("mean", [1.0, 2.5, 12.0])
def test_groups_number_consecutive_items_in_order(mean):
    """``build`` orders cells by county then site with a stable sort of the county codes over the cells listed in
    site order, which is np.lexsort's order only because each kind of site numbers its cells this way."""
    groups = _groups(1000, mean, np.random.default_rng(7))
    assert len(groups) == 1000 and groups[0] == 0
    assert np.all(np.diff(groups) >= 0) and np.all(np.diff(groups) <= 1)
