"""Rate limits per API key (per user for browser sessions). Rates: REST_FRAMEWORK settings.

The counts live in the cache (Redis). When Redis cannot be reached the API keeps
answering: the throttle lets the request through (fails open) and logs a warning, at most
once a minute per process, and /health/ answers 503 meanwhile so the outage is seen.
Failing closed would turn a cache outage into an outage of every police system's
reporting of missing children, which is worse than a minute without rate limits.
"""

from __future__ import annotations

import logging
import time

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


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self):
        # Read the rates at request time (not at import) so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache is down (any client error): fail open
            _warn_cache_down(error)
            return True

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
