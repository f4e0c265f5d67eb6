"""The C allocator of a long-running process: freed memory kept for the next request.

A search allocates numpy arrays of one value per article (800 KB each at
100,000 articles) and frees them when it answers. glibc's malloc hands
blocks that large to the kernel on every free: blocks over its mmap threshold
are unmapped, and the free top of a thread's heap past its trim threshold is
given back. The next search then touches fresh pages, one minor page fault per
4 KiB. The main thread escapes this (glibc raises the thresholds as it sees
such frees), but a server searches in its worker threads: a served search at
100,000 articles took 1,425 page faults against 46 for the same search in a
script's main thread, and 4.9 ms against 3.4 (`bench/search.py`'s queries
through `vindex serve`, one client).

Fixed thresholds keep such blocks in the process for reuse: 35 faults a
search and 1.3 ms less through HTTP. The cost is memory that stays mapped
after a peak, up to the trim threshold per heap; a serving process reaches
that peak again at its next busy moment anyway.
"""

from __future__ import annotations

import ctypes
import platform

# mallopt(3) parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks up to this size come from the heap: glibc's maximum on 64-bit systems,
# an array of one float per article up to 4 million articles.
MMAP_THRESHOLD = 32 * 1024 * 1024
# Free memory a heap keeps at its top before it gives any back.
TRIM_THRESHOLD = 64 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set glibc's thresholds for this process; False where the C library is not glibc."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt answers 1 on success; a fixed threshold also stops glibc's own adjusting.
    mapped: bool = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    trimmed: bool = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return mapped and trimmed
