"""Rate limits per API key (per user for browser sessions). Rates: REST_FRAMEWORK settings.

The counts live in the cache (Redis). When Redis cannot be reached the API keeps
answering: the throttle lets the request through (fails open) and logs a warning, at most
once a minute per process, and /health/ answers 503 meanwhile so the outage is seen.
Failing closed would turn a cache outage into an outage of every police system's
reporting of missing children, which is worse than a minute without rate limits.

The window is DRF's (a sliding window: at most N requests in any `duration` seconds,
refused requests not counted), kept as a Redis sorted set of request times and checked
and updated by one Lua script: one round trip a request, where DRF's own throttle reads
and writes a pickled list (two, and a race between them) (issue 13, decision 0021).
"""

from __future__ import annotations

import logging
import secrets
import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey

logger = logging.getLogger(__name__)

# Seconds between two warnings from one process while the cache is down.
WARN_EVERY_SECONDS = 60.0
_last_warning_at = -WARN_EVERY_SECONDS


def _warn_cache_down(error: Exception) -> None:
    global _last_warning_at
    now = time.monotonic()
    if now - _last_warning_at >= WARN_EVERY_SECONDS:
        _last_warning_at = now
        logger.warning(
            "API throttling is off: the cache (Redis) cannot be reached (%s: %s). "
            "Requests are let through unthrottled until it is back.",
            type(error).__name__,
            error,
        )


# KEYS[1]: the window's sorted set. ARGV: now, duration, limit, a unique member.
# Drops the times older than the window; if the window is full, answers the oldest time
# left (when a place frees up); otherwise records this request and answers -1.
WINDOW_SCRIPT = """
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return oldest[2]
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(duration))
return -1
"""


def _redis_client(key: str):
    """The redis-py client behind Django's Redis cache, for `key` (already prefixed)."""
    return cache._cache.get_client(key, write=True)  # type: ignore[attr-defined]


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self):
        # Read the rates at request time (not at import) so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.oldest: float | None = None
        num_requests, duration = self.parse_rate(self.rate)
        assert num_requests is not None and duration is not None  # a rate is set
        self.window_seconds = duration
        try:
            key = cache.make_and_validate_key(self.key)
            client = _redis_client(key)
            oldest = client.register_script(WINDOW_SCRIPT)(
                keys=[key],
                args=[repr(self.now), duration, num_requests, _member(self.now)],
            )
        except Exception as error:  # the cache is down (any client error): fail open
            _warn_cache_down(error)
            return True
        if float(oldest) < 0:
            return True
        self.oldest = float(oldest)
        return False

    def wait(self):
        """Seconds until the oldest request in the window leaves it (Retry-After)."""
        if self.oldest is None:
            return None
        return max(0.0, self.window_seconds - (self.now - self.oldest))

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            # The key's random prefix, not its row id: ids repeat across databases that
            # share one cache (test databases, a restored copy).
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _member(now: float) -> str:
    # Two requests in one clock tick are two entries of the window.
    return f"{now!r}:{secrets.token_hex(4)}"
