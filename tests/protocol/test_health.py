"""/health/: database, Redis and the sweep's lag; public, no case data."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from protocol.models import Deadline, Status
from protocol.services import sweep
from tests.protocol.sweep_support import HOUR, SECOND, T0, own_cache, report

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")


def test_health_is_503_while_due_deadlines_sit_unswept_and_200_once_swept(world, client):
    with time_machine.travel(T0, tick=False) as clock:
        report(world, last_seen_at=T0, reported_to_police_at=T0)
        # Missing over 24 hours: the strategy meeting was due at T0 + 48 h.
        clock.move_to(T0 + 73 * HOUR)
        response = client.get(reverse("protocol:health"))
        assert response.status_code == 503, "25 hours overdue and nothing swept it"
        before = response.json()
        assert before["database"] == "ok"
        assert before["redis"] == "ok"
        assert before["status"] == "unhealthy"
        assert before["oldest_due_open_deadline"] == (T0 + 48 * HOUR).isoformat()
        assert before["problems"] == [
            "A due deadline has waited 90000 seconds unswept (more than 2 sweep intervals "
            "of 15 seconds)."
        ]
        sweep()
        swept = client.get(reverse("protocol:health"))
    after = swept.json()
    assert swept.status_code == 200, after
    assert after["status"] == "ok" and after["problems"] == []
    assert after["last_sweep_at"] == (T0 + 73 * HOUR).isoformat()
    assert after["sweep_lag_seconds"] == 25 * 3600.0
    assert after["oldest_due_open_deadline"] is None, "the sweep caught up"
    assert "Jamie" not in response.content.decode(), "no case data"


def test_a_due_deadline_is_healthy_for_two_sweep_intervals_and_unhealthy_one_second_after(
    world, client
):
    with time_machine.travel(T0, tick=False) as clock:
        report(world, last_seen_at=T0, reported_to_police_at=T0)
        sweep()
        due = Deadline.objects.filter(status=Status.OPEN).order_by("due_at").first().due_at
        clock.move_to(due + 30 * SECOND)
        # The last sweep ran one second before it fell due (two 15-second intervals ago).
        sweep(due - SECOND)
        on_time = client.get("/health/")
        clock.move_to(due + 31 * SECOND)
        late = client.get("/health/")
    assert on_time.status_code == 200, on_time.json()
    assert late.status_code == 503
    assert late.json()["problems"] == [
        "A due deadline has waited 31 seconds unswept (more than 2 sweep intervals of 15 seconds)."
    ]


def test_health_is_503_when_the_last_sweep_is_older_than_three_intervals(db, client, settings):
    settings.PROTOCOL_SWEEP_INTERVAL_SECONDS = 10
    with time_machine.travel(T0, tick=False) as clock:
        sweep()  # nothing due: a sweep that finds nothing is still a sweep
        clock.move_to(T0 + 30 * SECOND)
        fresh = client.get("/health/")
        clock.move_to(T0 + 31 * SECOND)
        stale = client.get("/health/")
    assert fresh.status_code == 200, fresh.json()
    assert stale.status_code == 503
    body = stale.json()
    assert body["status"] == "unhealthy"
    assert body["sweep_interval_seconds"] == 10
    assert body["problems"] == [
        "The last sweep ran 31 seconds ago, more than 3 sweep intervals of 10 seconds."
    ]


def test_health_needs_no_sign_in_and_answers_before_any_sweep(db, client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "last_sweep_at": None,
        "sweep_lag_seconds": None,
        "oldest_due_open_deadline": None,
        "sweep_interval_seconds": 15.0,
        "problems": [],
    }


def test_health_is_503_when_redis_is_down_without_a_stack_trace(db, client):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == "error"
    assert body["database"] == "ok"
    assert body["problems"] == ["Redis (the cache and the Celery broker) cannot be reached."]
    assert "Traceback" not in response.content.decode()


def test_health_refuses_writes(db, client):
    assert client.post("/health/").status_code == 405
