"""Python's garbage collector in a long-running server: fewer and shorter pauses.

A collection stops every thread of the process. In a served worker under
bench/load.py (500 requests/s on 2 workers) the default thresholds collected
the youngest objects 50 times a second. A request waits in line for about
90 ms, so its objects outlived two of those collections and were promoted
to the oldest generation; there they died, and every 47,000 of them set off
a full collection: over all 190,000 objects a worker keeps (the gazetteer's
names, the index state, the modules), 90-120 ms each, 13 in 40 s, 1.9 s of
GIL-holding work per worker.

Two changes, each measured with `bench/load.py` (30 s, per worker):

- **A young generation of 10,000 objects** instead of 700. Collecting it
  costs about 0.5 µs an object whatever the threshold, so it costs the same
  in all, but objects of a request in line now mostly die before their
  first collection instead of reaching the oldest generation.
- **What start-up loaded is frozen** (`gc.freeze`): the modules, the
  gazetteer and the first index state stay for the worker's life, so no
  collection need look at them again.

Default thresholds: 1.9 s of collections, full ones up to 119 ms, 503
requests/s. Young generation of 5,000: 0.7 s, one full collection (111 ms);
20,000: 0.5 s, none, but young collections of up to 30 ms and middle ones
up to 56 ms; 50,000: middle collections of up to 175 ms.
"""

from __future__ import annotations

import gc

# Objects allocated (less those freed) before the youngest generation is collected.
YOUNG = 10_000
# Collections of one generation before the next one is collected (CPython's default).
OLDER = 10


def tune_collector() -> None:
    """Collect the youngest objects after YOUNG new ones instead of 700."""
    gc.set_threshold(YOUNG, OLDER, OLDER)


def freeze_long_lived() -> int:
    """Collect once, then leave everything alive now out of later collections.

    For what a process loads once and keeps (its modules, a gazetteer). An
    object frozen here is still freed when its last reference goes, only a
    reference cycle among frozen objects is never collected: so call it once,
    when start-up is done, not as a way to skip collections. Returns how
    many objects were frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
