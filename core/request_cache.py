"""A cache that lives for one request (issue 13: a page reads the user's memberships once).

`RequestCacheMiddleware` opens it when a request starts and drops it when the response
is made; outside a request (a Celery task, a management command, a test calling a
selector) `memo` computes every time, so nothing read there can go stale.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_cache: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar(
    "homeward_request_cache", default=None
)


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per request for `key`."""
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget() -> None:
    """Drop what this request cached (after a change to what was cached, e.g. memberships)."""
    cache = _cache.get()
    if cache is not None:
        cache.clear()


def open_cache() -> contextvars.Token:
    return _cache.set({})


def close_cache(token: contextvars.Token) -> None:
    _cache.reset(token)
