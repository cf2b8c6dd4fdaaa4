"""`Authorization: Api-Key <key>`: per-user keys, looked up by prefix, compared by hash."""

from __future__ import annotations

import datetime as dt
import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions

from api.models import ApiKey
from api.services import hash_key

KEYWORD = "Api-Key"
# Writing last_used_at on every request would turn each read into a write; a minute's
# precision is enough to see which keys are in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


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
        api_key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
        if api_key is None or not hmac.compare_digest(api_key.hashed_key, hash_key(key)):
            raise exceptions.AuthenticationFailed("The API key is not valid.")
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
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        # A 401 (not 403) with this challenge tells a client it needs a key.
        return KEYWORD
