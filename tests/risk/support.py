"""Helpers for the casework page tests (MASH, returns, panels, escalations, notifications).

Episodes, returns and assessments are made through the real services, so the Deadline
ledger is what the protocol engine says it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse

from casework.services import report_episode
from episodes.services import record_return
from tests import kit
from tests.factories import AllocationFactory, ChildFactory
from tests.kit import count_queries

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def hours_ago(hours: float, now: dt.datetime = NOW) -> dt.datetime:
    return now - dt.timedelta(hours=hours)


def allocated_child(world, **fields):
    """Another child of the social worker's team (so the team's personas see it)."""
    child = ChildFactory(responsible_authority=world.council, **fields)
    AllocationFactory(
        child=child, team=world.team, worker=world.social_worker, started_at=hours_ago(24 * 400)
    )
    return child


def report(
    world, child=None, *, last_seen_hours_ago: float = 5, reported_hours_ago: float = 4, **fields
):
    """tests.kit.report, with times given as hours before now."""
    return kit.report(
        world,
        child=child,
        last_seen_at=hours_ago(last_seen_hours_ago),
        reported_at=hours_ago(reported_hours_ago),
        **fields,
    )


def returned_episode(
    world, child=None, *, last_seen_hours_ago: float = 30, returned_hours_ago: float = 10
):
    episode = report(
        world,
        child,
        last_seen_hours_ago=last_seen_hours_ago,
        reported_hours_ago=last_seen_hours_ago - 1,
    )
    return record_return(
        acting_user=world.social_worker, episode=episode, returned_at=hours_ago(returned_hours_ago)
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def assert_redirects_to_sign_in(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def constant_queries(client, url: str, grow: Callable[[], None]) -> tuple[int, int]:
    """The query count before and after `grow()` adds rows: they must be equal."""
    client.get(url)  # warm per-process caches (content types, sessions)
    small = count_queries(client, url)
    grow()
    large = count_queries(client, url)
    assert small == large, f"{url}: {small} queries with few rows, {large} with more"
    return small, large


# Browser tests: the live server runs in another thread, so they use the real clock.


def report_at(user, child, *, last_seen_at: dt.datetime, reported_at: dt.datetime, **fields):
    return report_episode(
        acting_user=user,
        child=child,
        category=fields.pop("category", "missing"),
        last_seen_at=last_seen_at,
        reported_at=reported_at,
        **fields,
    )


def returned_at(user, child, *, last_seen_at: dt.datetime, returned: dt.datetime):
    episode = report_at(
        user, child, last_seen_at=last_seen_at, reported_at=last_seen_at + dt.timedelta(hours=1)
    )
    return record_return(acting_user=user, episode=episode, returned_at=returned)


def run_sweep_delivering_now(settings):
    """The protocol sweep, with the outbox delivered in this process (Celery eager mode)
    and the sweep's cache record kept under these tests' own key prefix."""
    from missing.celery import app
    from notifications.tasks import sweep_and_notify

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": "test_hw_ui2",
        }
    }
    eager, propagates = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        return sweep_and_notify()
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager, propagates


def gov_date(name: str, value: str) -> dict[str, str]:
    """The GOV.UK date input's boxes for `name`, from "2026-06-10T11:00" (date and time:
    day, month, year, hour, minute) or "2026-06-10" (day, month, year); "" leaves them empty."""
    if not value:
        return {f"{name}_{part}": "" for part in ("day", "month", "year", "hour", "minute")}
    day_text, _, time_text = value.partition("T")
    year, month, day = day_text.split("-")
    boxes = {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
    if time_text:
        hour, minute = time_text.split(":")[:2]
        boxes |= {f"{name}_hour": hour, f"{name}_minute": minute}
    return boxes


def fill_date(scope, legend: str, value: dt.date) -> None:
    """Type a date (or an aware date and time, in London wall-clock time) into the GOV.UK
    date input whose fieldset's legend is `legend`, box by box, as a person would."""
    from django.utils import timezone

    group = scope.get_by_role("group", name=legend, exact=True)
    boxes = {}
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
        boxes = {"Hour": f"{value.hour:02d}", "Minute": f"{value.minute:02d}"}
    boxes = {"Day": str(value.day), "Month": str(value.month), "Year": str(value.year), **boxes}
    for label, text in boxes.items():
        group.get_by_label(label, exact=True).fill(text)
