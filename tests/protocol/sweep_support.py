"""Shared set-up for the sweep, selector and command tests: time, episodes, the cache.

Imported by the test modules (`from tests.protocol.sweep_support import ...`); fixtures
imported into a module are fixtures there.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from episodes.services import record_return, report_episode
from notifications.models import Notification

# A Tuesday in June (BST), far from any clock change.
T0 = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)

# Redis db 5 belongs to these tests (tests/notifications and tests/protocol sweep tests).
TEST_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def own_cache(settings):
    """The sweep records itself in the cache: keep that in our own Redis database."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": "test_hw_sweep",
        }
    }
    cache.clear()
    yield cache
    cache.clear()


def report(world, *, last_seen_at, category="missing", child=None, reported_at=None, **extra):
    """Report an episode as the allocated worker, told to police (world.force)."""
    extra.setdefault("police_force", world.force)
    return report_episode(
        acting_user=world.social_worker,
        child=child or world.child,
        category=category,
        last_seen_at=last_seen_at,
        reported_at=reported_at or last_seen_at,
        **extra,
    )


def returned(world, episode, *, returned_at):
    return record_return(acting_user=world.social_worker, episode=episode, returned_at=returned_at)


def told(*, kind=None, deadline=None, channel=None, **filters) -> set[str]:
    """Usernames told, by the outbox rows matching the filters."""
    rows = Notification.objects.filter(**filters)
    if kind:
        rows = rows.filter(kind=kind)
    if deadline is not None:
        rows = rows.filter(deadline=deadline)
    if channel:
        rows = rows.filter(channel=channel)
    return set(rows.values_list("recipient__username", flat=True))
