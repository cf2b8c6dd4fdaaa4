"""Shared set-up for the sweep, selector and command tests: time, episodes, the cache.

Imported by the test modules (`from tests.protocol.sweep_support import ...`); fixtures
imported into a module are fixtures there.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest
from django.core.cache import cache
from django.utils import timezone

from agencies.models import Role
from episodes.services import record_return
from notifications.models import Notification
from protocol.models import Deadline, DeadlineEvent, Status
from tests import kit
from tests.factories import (
    AgencyFactory,
    AllocationFactory,
    ChildFactory,
    MembershipFactory,
    TeamFactory,
)

# A Tuesday in June (BST), far from any clock change.
T0 = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)

# Redis db 5 belongs to these tests (tests/notifications and tests/protocol sweep tests).
TEST_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def own_cache(settings):
    """The sweep records itself in the cache: keep that in our own Redis database, under
    a key prefix of this test's own. Not FLUSHDB: the other xdist worker's sweep tests
    share the database, and one worker's clear (or its sweep's record under a shared
    prefix) made the other's health test read the wrong sweep."""
    prefix = f"test_hw_sweep_{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield cache
    client = cache._cache.get_client(None, write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def report(world, *, last_seen_at, category="missing", child=None, reported_at=None, **extra):
    """tests.kit.report, told to police (world.force)."""
    extra.setdefault("police_force", world.force)
    return kit.report(
        world,
        last_seen_at=last_seen_at,
        reported_at=reported_at or last_seen_at,
        child=child,
        category=category,
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


@pytest.fixture
def lone_worker():
    """A child whose only contact is one social worker, in an authority with no one else:
    each breach is one in-app and one e-mail notification."""
    authority = AgencyFactory(name="Borough of Quietvale")
    team = TeamFactory(agency=authority, name="Quietvale Children in Care")
    membership = MembershipFactory(user__username="wendy", team=team, role=Role.SOCIAL_WORKER)
    child = ChildFactory(
        given_name="Robin", family_name="Imaginary", responsible_authority=authority
    )
    AllocationFactory(
        child=child,
        team=team,
        worker=membership.user,
        started_at=timezone.now() - dt.timedelta(days=30),
    )
    return child, team, membership.user


def make_deadlines(child, team, count: int, due_at: dt.datetime) -> list[int]:
    Deadline.objects.bulk_create(
        Deadline(
            key=f"drill:{index}",
            rule="strategy_meeting",
            child=child,
            opens_at=due_at - dt.timedelta(hours=1),
            due_at=due_at,
            due_soon_at=due_at - dt.timedelta(minutes=15),
            due_soon_notified_at=due_at - dt.timedelta(minutes=15),
            status=Status.OPEN,
            owner_role=Role.TEAM_MANAGER,
            owner_team=team,
            reason="A drill deadline.",
        )
        for index in range(count)
    )
    return list(
        Deadline.objects.filter(child=child, key__startswith="drill:").values_list("pk", flat=True)
    )


def breach_events(deadline_ids) -> Counter:
    """How many times each deadline became breached, from its pghistory trail."""
    events = DeadlineEvent.objects.filter(pgh_obj_id__in=deadline_ids).order_by("pgh_id")
    became: Counter = Counter()
    previous: dict[int, str] = {}
    for event in events.values("pgh_obj_id", "status"):
        if (
            event["status"] == Status.BREACHED
            and previous.get(event["pgh_obj_id"]) != Status.BREACHED
        ):
            became[event["pgh_obj_id"]] += 1
        previous[event["pgh_obj_id"]] = event["status"]
    return became
