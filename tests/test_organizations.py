"""The organization table's kind lookups: every way of asking for kinds gives what the lookup table gives."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from sim.model.organizations import Kind, is_kind, of_kind


def test_is_kind_agrees_with_the_lookup_table_for_every_set_of_kinds():
    """``is_kind`` compares codes when the kinds are one range (cells and teams, the basic organizations)
    and looks them up otherwise: both must give ``of_kind(*kinds)[codes]``."""
    codes = np.random.default_rng(5).integers(0, len(Kind), 1000).astype(np.int8)
    for size in range(1, len(Kind) + 1):
        for kinds in combinations(list(Kind), size):
            np.testing.assert_array_equal(is_kind(codes, *kinds), of_kind(*kinds)[codes])
