"""Issuing and revoking API keys: the only writes the api app makes itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import Actor
from api.models import ApiKey, IdempotencyRecord, forget_cached_keys
from core.errors import Conflict, Refused
from core.history import records

# Two years at most: a partner's system renews its key at least that often.
MAX_KEY_LIFETIME_DAYS = 730


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@records("API key created")
@transaction.atomic
def create_api_key(
    *, acting_user: Actor, user, name: str = "", lifetime_days: int | None = None
) -> tuple[ApiKey, str]:
    """A new key for `user`, working for `lifetime_days` (settings.API_KEY_LIFETIME_DAYS
    unless told). Returns the row and the key itself, which is never stored."""
    if not user.is_active:
        raise Refused("This user is inactive: an API key would not work.", field="user")
    days = settings.API_KEY_LIFETIME_DAYS if lifetime_days is None else lifetime_days
    if not 1 <= days <= MAX_KEY_LIFETIME_DAYS:
        raise Refused(f"A key lasts from 1 to {MAX_KEY_LIFETIME_DAYS} days.", field="lifetime_days")
    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=prefix,
        hashed_key=hash_key(key),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return api_key, key


@records("API key revoked")
@transaction.atomic
def revoke_api_key(*, acting_user: Actor, api_key: ApiKey) -> ApiKey:
    """Stop the key working from now on. A revoked key stays listed, with when."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        raise Conflict("This key is already revoked.", code="already_revoked")
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    forget_cached_keys(hashed_keys=[api_key.hashed_key])
    return api_key


def purge_idempotency_records(*, before: dt.datetime) -> int:
    """Forget keys claimed before `before`; a retry after that runs as a new request."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    return deleted
