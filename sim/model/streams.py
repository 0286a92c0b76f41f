"""One random stream per mechanism, keyed by the mechanism's name.

Every mechanism draws from its own ``numpy.random.Generator``, derived from the
run's seed and the mechanism's *name* (not its position in a list). Adding a
draw to one mechanism, or adding a mechanism, leaves every other stream
untouched: that is what keeps paired what-if comparisons (common random
numbers) sharp (DESIGN.md, "Randomness and reproducibility").
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of mechanism ``name`` in a run seeded with ``seed``."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(key,))))
