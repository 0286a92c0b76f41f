"""Large temporaries served from the allocator's heap instead of fresh memory maps (Linux, glibc).

Why: glibc serves an allocation larger than its mmap threshold with a new
memory map and unmaps it when it is freed. At national scale most temporaries
of a step are arrays of millions of rows (a gather of 6.5 million ids is
52 MB), so every one of them is a fresh mapping whose pages the kernel zeroes
on first touch, and the same step the next day pays it again: measured on the
2-core development machine (2026-12-07), the first election of the whole
party spent 0.7-0.9 s of its 1.4 s in the kernel. Raising the mmap threshold
and the trim threshold keeps such arrays in the heap, where a freed block is
reused at once: the national run (``partysim run scenarios/national.yaml``)
took 21.3-22.0 s instead of 22.7-24.0 s, its kernel time 0.6-1.0 s instead
of 1.0-2.8 s, for about 110 MB more peak memory (1.16 against 1.05 GB),
because freed memory stays with the process until it exits.

NumPy's transparent-huge-page advice on large arrays is left on. Most of the
kernel time that remains is the zeroing of fresh huge pages (perf: 76 % of it
in ``clear_page_erms`` under huge-page faults), so it follows the heap's
high-water mark, set by the day-0 election of the whole party; but turning the
advice off (``numpy._core.multiarray._set_madvise_hugepage(False)``) costs more
in user time than it saves in the kernel, the random gathers of the member
columns then missing the TLB: national run, four pairs run side by side
(2026-12-07), 15.4-16.4 s of CPU (user + sys) with it, 16.1-18.9 s without
(kernel 0.9-1.4 s against 0.6-0.7 s). Turning it off after day 0 only, when
the member table is already on huge pages, saved nothing (kernel 1.4-1.9 s).

Only the command line's ``run`` calls :func:`keep_large_arrays_in_heap`: it
owns its process and exits after one run. A program that imports partysim as a
library keeps its allocator as it is.
"""

from __future__ import annotations

import ctypes
import sys

#: glibc's ``mallopt`` parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (a national run's largest temporaries are a few hundred MB).
MMAP_THRESHOLD = 1 << 30
#: Free memory at the top of the heap is given back to the system only beyond this.
TRIM_THRESHOLD = 1 << 31


def keep_large_arrays_in_heap() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; False where there is no glibc ``mallopt``.

    ``mallopt`` is looked up among the symbols the process has loaded (``dlopen(NULL)``), the C
    library's among them: ``ctypes.util.find_library("c")`` would run ``ldconfig -p`` in a
    subprocess to name the library first (2-8 ms).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
