"""API keys and the idempotency ledger. Neither is case data: no child is referred to here."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import pghistory
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


# Tracked without the hash of the secret (decision 0016): made, renamed, revoked. Use
# (last_used_at, written at most once a minute) is not a change of the key.
@pghistory.track(exclude=["hashed_key", "last_used_at"])
class ApiKey(models.Model):
    """A user's API key. Only a SHA-256 hash of the secret is held; the key is shown once.

    The key reads `<prefix>.<secret>`: the prefix (random, not secret) finds the row and
    names the key in the admin and in logs; the secret is 32 random bytes, so a plain
    SHA-256 (not a slow password hash) is enough: nobody can guess it from the hash.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(
        max_length=100,
        blank=True,
        help_text="What the key is for, e.g. 'Northwick Police case system'.",
    )
    prefix = models.CharField(max_length=16, unique=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Every key expires (decision 0015): a forgotten key in a partner's system stops
    # working on its own. settings.API_KEY_LIFETIME_DAYS by default.
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and timezone.now() < self.expires_at


# The cached copies of a key (api.authentication), forgotten by whatever changes the key
# or its user (api.services.revoke_api_key; api.apps for any save).
def cache_key_of(hashed_key: str) -> str:
    """Where api.authentication keeps a key's row and user (named by the key's hash)."""
    return f"api-key:{hashed_key}"


def forget_cached_keys(*, user_id: int | None = None, hashed_keys: Sequence[str] = ()) -> None:
    """Drop cached keys (the given ones, and every key of `user_id`), so the next request
    reads the row: a revocation, or a user made inactive, takes effect at once.

    Called after the change commits, so no request can cache the old row again in
    between. If the cache cannot be reached, nothing was served from it either."""
    hashed = list(hashed_keys)
    if user_id is not None:
        hashed += ApiKey.objects.filter(user_id=user_id).values_list("hashed_key", flat=True)

    def forget() -> None:
        # The cache is down: it serves nothing to forget.
        with contextlib.suppress(Exception):
            cache.delete_many([cache_key_of(h) for h in hashed])

    if hashed:
        forget()  # now, and again after commit (a request may cache the old row meanwhile)
        transaction.on_commit(forget)


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, replayed on retries.

    The row is inserted (and committed) before the request runs, so the unique constraint
    stops two simultaneous retries from both executing: the second finds the row, still
    without a response, and is told to retry later.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
            models.CheckConstraint(
                condition=Q(response_status__isnull=True) | Q(completed_at__isnull=False),
                name="idempotency_response_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.user})"
