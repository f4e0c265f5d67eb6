"""The C allocator of a long-running process: few arenas, freed memory kept for reuse.

Two costs pull against each other in glibc's malloc, for a worker that
answers from a pool of threads, each allocating and freeing numpy arrays of
one value per article (800 KB each at 100,000 articles):

- **Memory.** By default glibc gives threads arenas of their own (up to
  eight per core) and keeps freed memory in each: twenty threads searching
  the Reuters archive under an upload a second held 1.0-1.1 GB. Two arenas
  bound what is kept: 0.28 GB.
- **Page faults.** Freed blocks past the mmap threshold are unmapped, and a
  heap's free top past the trim threshold is given back, so the next search
  touches fresh pages, one minor fault per 4 KiB. With the trim threshold at
  128 KiB (what this module set before, for memory) a served search at
  100,000 articles took 1,425 faults against 46 in a script, and 4.9 ms
  against 3.4 (`bench/search.py`'s queries through `vindex serve`).

So: two arenas, blocks up to 32 MB from the heap, and up to 16 MB free kept
at a heap's top: 77 faults a served search at 100k (42 with 64 MB kept,
which held each Reuters worker about 60 MB higher under bench/load.py).
A variable set in the environment (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_,
MALLOC_TRIM_THRESHOLD_) wins.
"""

from __future__ import annotations

import ctypes
import os
import platform

# mallopt(3) parameters (glibc's malloc.h), with the variable that sets each.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
ARENAS = 2
# glibc's largest mmap threshold on 64-bit systems: an array of one float per
# article up to 4 million articles comes from the heap.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 16 * 1024 * 1024
SETTINGS = (
    (_M_ARENA_MAX, "MALLOC_ARENA_MAX", ARENAS),
    (_M_MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD),
    (_M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", TRIM_THRESHOLD),
)


def tune_allocator() -> bool:
    """Set glibc's malloc for this process (before its threads start); False elsewhere."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = True
    for parameter, variable, value in SETTINGS:
        if os.environ.get(variable):
            continue  # glibc read it at start-up
        # mallopt answers 1 on success; a fixed threshold also stops glibc's own adjusting.
        done = mallopt(parameter, value) == 1 and done
    return done
