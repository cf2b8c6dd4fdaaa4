"""Python's cyclic garbage collector, set for serving requests (issue 13).

A page builds thousands of short-lived objects (querysets, expressions, model instances,
template nodes). With the interpreter's defaults (a young collection every 700 net
allocations) a request triggers dozens of collections, and every so often a full one that
walks every object the process holds, Django's own included: those are the slow requests
at the 95th percentile (bench/pages.py: 3 to 6 ms a request on average, tens of
milliseconds when a full collection falls in it).

`tune_for_requests()` runs once a process has loaded the application:
- `gc.freeze()` moves every object alive then (modules, settings, the URL conf, the
  models' metadata) to a permanent generation the collector never walks again. They live
  as long as the process anyway.
- The young generation is collected every YOUNG_THRESHOLD allocations, not 700: a
  request's garbage is mostly freed by reference counting; the collector is only for
  cycles, and a cycle waits a little longer to be freed.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
# Collections of the young generation before one of the middle, and of the middle
# before a full one (the interpreter's own defaults: 10 and 10).
MIDDLE_EVERY = 10
FULL_EVERY = 10


def tune_for_requests() -> None:
    """Freeze what is alive now and collect less often. Call once the app is loaded (the
    WSGI module, bench/pages.py); never in the middle of a request."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_EVERY, FULL_EVERY)
