"""Issuing and revoking API keys: the only writes the api app makes itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor
from api.models import ApiKey, IdempotencyRecord
from core.errors import Conflict, Refused
from core.history import records


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@records("API key created")
@transaction.atomic
def create_api_key(*, acting_user: Actor, user, name: str = "") -> tuple[ApiKey, str]:
    """A new key for `user`. Returns the row and the key itself, which is never stored."""
    if not user.is_active:
        raise Refused("This user is inactive: an API key would not work.", field="user")
    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, hashed_key=hash_key(key)
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
    return api_key


def purge_idempotency_records(*, before: dt.datetime) -> int:
    """Forget keys claimed before `before`; a retry after that runs as a new request."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    return deleted
