"""The API keeps answering while Redis (the throttle's cache) cannot be reached: the
throttle lets requests through and says so in the log; idempotency keys live in
PostgreSQL and still work; /health/ answers 503 meanwhile (decision 0017)."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from api import throttling
from episodes.models import Episode
from tests.api.conftest import etag_of

UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def redis_down(settings):
    throttling._last_warning_at = -throttling.WARN_EVERY_SECONDS  # warn afresh
    with override_settings(CACHES=UNREACHABLE):
        yield


def test_the_api_reads_writes_and_replays_while_redis_is_down_and_logs_why(
    world, open_scene, client_for, redis_down, caplog, client
):
    api = client_for(world.police_liaison)
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        listed = api.get("/api/v1/episodes/")
        path = f"/api/v1/episodes/{open_scene.open.pk}/"
        patched = api.patch(
            path, {"police_reference": "NP-77"}, format="json", HTTP_IF_MATCH=etag_of(api, path)
        )
        api.post(
            f"{path}return/",
            {"returned_at": "2026-03-30T12:30:00+01:00"},
            format="json",
            HTTP_IF_MATCH=patched["ETag"],
        )
        body = {
            "child": world.child.pk,
            "category": "missing",
            "last_seen_at": "2026-03-30T12:45:00+01:00",
        }
        first = api.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
        retry = api.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert listed.status_code == 200, listed.content
    assert patched.status_code == 200, patched.content
    assert Episode.objects.get(pk=open_scene.open.pk).police_reference == "NP-77"
    assert first.status_code == 201, first.content
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert Episode.objects.filter(child=world.child).count() == 3, "reported once, not twice"
    warnings = [r.getMessage() for r in caplog.records if r.name == "api.throttling"]
    assert len(warnings) == 1, "said once a minute, not on every request"
    assert "API throttling is off: the cache (Redis) cannot be reached" in warnings[0]
    health = client.get("/health/")
    assert health.status_code == 503
    assert health.json()["redis"] == "error"
