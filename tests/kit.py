"""The test helpers every folder shares, defined once.

- `utc(2026, 6, 10, 12)`: an aware UTC instant.
- `report(world, last_seen_at=..., ...)`: report an episode through the real service, as
  the allocated social worker unless `by` says otherwise, reported when last seen unless
  `reported_at` says otherwise; with `clock`, the clock is moved to the moment of the
  report first (the service refuses reports from the future).
- `sweep_and_write(now)`: one sweep and the writing of what it owes, as the beat's task
  and the worker do one after the other.
- `count_queries(client, url)`: the SQL statements one GET takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.services import report_episode
from episodes.models import Episode
from notifications.outbox import write_owed_notifications
from protocol.services import SweepResult, sweep


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


def report(
    world: Any,
    *,
    last_seen_at: dt.datetime,
    reported_at: Any = "at last seen",
    child: Any = None,
    by: Any = None,
    clock: Any = None,
    category: str = "missing",
    **fields: Any,
) -> Episode:
    # Reported when last seen unless told; None leaves it to the service (now).
    if reported_at == "at last seen":
        reported_at = last_seen_at
    if clock is not None:
        clock.move_to(reported_at or last_seen_at)
    return report_episode(
        acting_user=by or world.social_worker,
        child=child or world.child,
        category=category,
        last_seen_at=last_seen_at,
        reported_at=reported_at,
        **fields,
    )


def sweep_and_write(now: dt.datetime | None = None) -> SweepResult:
    result = sweep(now)
    result.notifications = write_owed_notifications(now=now)
    return result


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return len(captured)
