"""Driving the ledger through the real services, with time frozen and moved by hand."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from children.models import Child
from episodes.models import Episode
from episodes.services import record_return
from protocol.ledger import ReconcileResult, reconcile
from protocol.models import Deadline
from tests import kit
from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory
from tests.kit import utc

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)


# A June Monday, British Summer Time: far from either clock change.
T0 = utc(2026, 6, 1, 9, 0)


def frozen_clock():
    """Time frozen at T0; `clock.move_to(when)` moves it (never backwards in a test)."""
    return time_machine.travel(T0, tick=False)


def reconcile_at(clock, child: Child, when: dt.datetime) -> ReconcileResult:
    clock.move_to(when)
    return reconcile(child)


def report(
    world, clock, *, last_seen_at: dt.datetime, reported_at=None, child=None, **more
) -> Episode:
    """Report an episode at the moment it is reported (the service refuses future times)."""
    return kit.report(
        world,
        clock=clock,
        last_seen_at=last_seen_at,
        reported_at=reported_at or last_seen_at,
        child=child,
        **more,
    )


def come_back(world, clock, episode: Episode, returned_at: dt.datetime) -> Episode:
    clock.move_to(returned_at)
    return record_return(acting_user=world.social_worker, episode=episode, returned_at=returned_at)


def episode_between(world, clock, start: dt.datetime, end: dt.datetime, **more) -> Episode:
    return come_back(world, clock, report(world, clock, last_seen_at=start, **more), end)


def deadline(
    child: Child, rule: str, episode: Episode | None = None, *, suffix: str = ""
) -> Deadline:
    found = Deadline.objects.filter(child=child, rule=rule)
    if episode is not None:
        found = found.filter(episode=episode)
    if suffix:
        found = found.filter(key__endswith=suffix)
    return found.get()


def rules_of(child: Child, *, status: str | None = None) -> list[str]:
    found = Deadline.objects.filter(child=child)
    if status:
        found = found.filter(status=status)
    return sorted(found.values_list("rule", flat=True))


def is_due(deadline: Deadline) -> bool:
    """What the sweep asks of a deadline now: open or scheduled with its due time reached."""
    deadline.refresh_from_db()
    return deadline.status in ("open", "scheduled") and deadline.due_at <= timezone.now()


def looked_after(child: Child) -> None:
    LegalStatusFactory(child=child, status="looked_after", start_date=dt.date(2020, 1, 1))


def another_child(world, **fields) -> Child:
    child = ChildFactory(responsible_authority=world.council, **fields)
    AllocationFactory(
        child=child, team=world.team, worker=world.social_worker, started_at=utc(2020, 1, 1)
    )
    return child
