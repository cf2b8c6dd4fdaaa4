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
- The collector runs after each response, not in the middle of a request (decision
  0025). A collection walks every container object alive at that moment: in the middle
  of the child's record that is the whole page being built (a young collection took 27
  to 59 ms there), after the response it is the little the request left behind (0.3 to
  3 ms). The request's garbage is mostly freed by reference counting as it goes; the
  collector is only for cycles, and a cycle waits until the response is sent. Django's
  `request_finished` fires when the server closes the response, after its last byte is
  written, so the person waiting never waits for a collection.
- After each response the young generation is collected; after every MIDDLE_EVERY
  responses the middle one too, and after every MIDDLE_EVERY * FULL_EVERY a full
  collection (the interpreter's own proportions, counted in requests).
- The allocation threshold stays as a safety net, at SAFETY_THRESHOLD: a request that
  builds that many objects (an export) is still collected on the way.
"""

from __future__ import annotations

import gc
import itertools

from django.core.signals import request_finished

SAFETY_THRESHOLD = 200_000
# Collections of the young generation before one of the middle, and of the middle
# before a full one (the interpreter's own defaults: 10 and 10).
MIDDLE_EVERY = 10
FULL_EVERY = 10

_responses = itertools.count(1)


def tune_for_requests() -> None:
    """Freeze what is alive now and collect after responses. Call once the app is loaded
    (the WSGI module, bench/pages.py); never in the middle of a request."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(SAFETY_THRESHOLD, MIDDLE_EVERY, FULL_EVERY)
    request_finished.connect(collect_after_response, dispatch_uid="core.collector")


def collect_after_response(**_kwargs: object) -> int:
    """Collect the generation this response's turn asks for; returns it."""
    served = next(_responses)
    if served % (MIDDLE_EVERY * FULL_EVERY) == 0:
        generation = 2
    elif served % MIDDLE_EVERY == 0:
        generation = 1
    else:
        generation = 0
    gc.collect(generation)
    return generation
