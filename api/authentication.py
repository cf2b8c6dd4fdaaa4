"""`Authorization: Api-Key <key>`: per-user keys, looked up by prefix, compared by hash.

The key's row and its user are kept in the cache (Redis) for `CACHE_SECONDS` under the
SHA-256 of the key itself, so a request with a known key reads no row to authenticate
(issue 13). Every check (revoked, expired, user inactive) still runs on every request,
on the cached row; what makes a cached row stale is forgotten at once:
`api.models.forget_cached_keys` runs when a key is revoked and whenever a key or a user
is saved (the user's `is_active`, through the admin or anywhere else: api.apps). A
change that skips `save()` (a bulk `update()` of users) is seen within `CACHE_SECONDS`.
Memberships (roles) are not cached here: the selectors read them on every request.

When Redis cannot be reached the key is read from PostgreSQL as before: a cache outage
never locks a police system out (decision 0017).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging

from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions

from api.models import ApiKey, cache_key_of
from api.services import hash_key

logger = logging.getLogger(__name__)

KEYWORD = "Api-Key"
# Writing last_used_at on every request would turn each read into a write; a minute's
# precision is enough to see which keys are in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
# How long a key's row and user stay cached. Revocation, and any save of the key or its
# user, forget the entry at once; this bounds only changes made past save().
CACHE_SECONDS = 60


def _cached(hashed: str) -> ApiKey | None:
    try:
        return cache.get(cache_key_of(hashed))
    except Exception as error:  # the cache is down: read the row instead
        logger.debug("API key cache unreadable (%s): reading the key's row", error)
        return None


def _remember(api_key: ApiKey) -> None:
    try:
        cache.set(cache_key_of(api_key.hashed_key), api_key, CACHE_SECONDS)
    except Exception as error:
        logger.debug("API key cache unwritable (%s)", error)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, key = header.partition(" ")
        if keyword.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        prefix, dot, _secret = key.partition(".")
        if not dot or not prefix or len(prefix) > 16:
            raise exceptions.AuthenticationFailed("The API key is malformed.")
        hashed = hash_key(key)
        # Cached under the hash of the whole key, so a hit is already a matching secret.
        api_key = _cached(hashed)
        if api_key is None:
            api_key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
            if api_key is None or not hmac.compare_digest(api_key.hashed_key, hashed):
                raise exceptions.AuthenticationFailed("The API key is not valid.")
            if api_key.revoked_at is None:
                _remember(api_key)
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The API key has been revoked.")
        now = timezone.now()
        if now >= api_key.expires_at:
            raise exceptions.AuthenticationFailed(
                "The API key expired on "
                f"{api_key.expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC. Ask for a new one."
            )
        if not api_key.user.is_active:
            raise exceptions.AuthenticationFailed("The key's user is inactive.")
        if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now
            _remember(api_key)
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        # A 401 (not 403) with this challenge tells a client it needs a key.
        return KEYWORD
