"""The C library's allocator, tuned so that image buffers leave a worker's RSS.

A no-op where the C library is not glibc (no ``mallopt``, no ``malloc_trim``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_ARENA_MAX = -8  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
ARENAS = 2
# Allocations from this size up get pages of their own, returned when freed.
MMAP_THRESHOLD_BYTES = 256 * 1024


def tune() -> None:
    """Keep freed image buffers from staying in the worker's RSS.

    Two malloc arenas instead of up to 8 per core: with the app's threads and
    libvips' own, glibc creates an arena per thread and seldom returns freed
    image buffers from them; two took about 30 MiB off a worker's RSS after a
    few hundred thumbnails (see docs/benchmarks.md). And a fixed mmap
    threshold: glibc raises its own after each large free (up to 32 MiB), so
    that decoded images soon come from the heap, whose freed middle it cannot
    give back; with 256 KiB they are mapped and unmapped whole.
    """
    mallopt = _function("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, ARENAS)
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def give_back_free_memory() -> None:
    """Return the free pages inside the arenas to the system.

    After a pyramid job: its many allocations under the mmap threshold
    (libjpeg's and libvips' buffers, line caches) leave free holes that glibc
    keeps. Trimming after each job took a worker from 131-137 MiB to 100 MiB
    after 21 jobs, and its peak from 146 to 133 MiB. It costs a few
    microseconds when there is little to give back.
    """
    trim = _function("malloc_trim")
    if trim is not None:
        trim(0)


@functools.cache
def _function(name: str):
    library = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(library), name, None) if library else None
