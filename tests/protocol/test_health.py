"""/health/: database, Redis and the sweep's lag; public, no case data."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from protocol.services import sweep
from tests.protocol.sweep_support import HOUR, T0, own_cache, report

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")


def test_health_is_ok_with_the_last_sweep_and_its_lag(world, client):
    with time_machine.travel(T0, tick=False) as clock:
        report(world, last_seen_at=T0)
        # Missing over 24 hours: the strategy meeting was due at T0 + 48 h.
        clock.move_to(T0 + 73 * HOUR)
        response = client.get(reverse("protocol:health"))
        assert response.status_code == 200
        before = response.json()
        assert before["database"] == "ok"
        assert before["redis"] == "ok"
        assert before["oldest_due_open_deadline"] == (T0 + 48 * HOUR).isoformat()
        sweep()
        after = client.get(reverse("protocol:health")).json()
    assert after["last_sweep_at"] == (T0 + 73 * HOUR).isoformat()
    assert after["sweep_lag_seconds"] == 25 * 3600.0
    assert after["oldest_due_open_deadline"] is None, "the sweep caught up"
    assert "Jamie" not in response.content.decode(), "no case data"


def test_health_needs_no_sign_in_and_answers_before_any_sweep(db, client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "redis": "ok",
        "last_sweep_at": None,
        "sweep_lag_seconds": None,
        "oldest_due_open_deadline": None,
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
    assert "Traceback" not in response.content.decode()


def test_health_refuses_writes(db, client):
    assert client.post("/health/").status_code == 405
