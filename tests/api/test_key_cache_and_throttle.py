"""An API key and its user are cached in Redis between requests, and whatever makes the
cached copy wrong (revocation, the user made inactive, a lost role) takes effect at once;
the throttle's window is one Redis round trip (issue 13, decision 0021). Real Redis."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agencies.models import Membership, Role
from api.models import ApiKey, cache_key_of
from api.services import create_api_key, revoke_api_key
from api.throttling import ApiKeyRateThrottle
from core.actors import ENGINE

EPISODES = "/api/v1/episodes/"


def _keyed(user) -> tuple[ApiKey, APIClient]:
    api_key, key = create_api_key(acting_user=ENGINE, user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api_key, client


def _reads_of_keys(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(EPISODES).status_code == 200
    return sum('FROM "api_apikey"' in query["sql"] for query in queries.captured_queries)


def test_a_known_key_is_answered_from_the_cache_without_reading_its_row(world, scene):
    api_key, client = _keyed(world.police_liaison)
    assert _reads_of_keys(client) == 1, "the first request reads the key"
    cached = cache.get(cache_key_of(api_key.hashed_key))
    assert cached.pk == api_key.pk and cached.user.pk == world.police_liaison.pk
    assert _reads_of_keys(client) == 0, "the next ones do not"


def test_a_revoked_key_is_refused_at_once_though_it_was_cached(world, scene):
    api_key, client = _keyed(world.police_liaison)
    assert client.get(EPISODES).status_code == 200
    revoke_api_key(acting_user=ENGINE, api_key=api_key)
    assert cache.get(cache_key_of(api_key.hashed_key)) is None
    response = client.get(EPISODES)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_user_made_inactive_is_refused_at_once(world, scene):
    _api_key, client = _keyed(world.police_liaison)
    assert client.get(EPISODES).status_code == 200
    world.police_liaison.is_active = False
    world.police_liaison.save()  # as the admin does
    response = client.get(EPISODES)
    assert response.status_code == 401
    assert response.json()["detail"] == "The key's user is inactive."


def test_a_cached_key_still_expires_on_time(world, scene, frozen_clock):
    api_key, client = _keyed(world.police_liaison)
    frozen_clock.move_to(api_key.expires_at - dt.timedelta(seconds=1))
    assert client.get(EPISODES).status_code == 200
    frozen_clock.move_to(api_key.expires_at)
    assert client.get(EPISODES).status_code == 401


def test_a_role_taken_away_takes_effect_at_once(world, scene):
    _api_key, client = _keyed(world.police_liaison)
    assert [row["id"] for row in client.get(EPISODES).json()["results"]] == [scene.closed.pk]
    membership = Membership.objects.get(user=world.police_liaison, role=Role.POLICE_LIAISON)
    membership.is_active = False
    membership.save()
    assert client.get(EPISODES).json()["results"] == []


def test_the_window_counts_requests_let_through_not_those_refused(world, scene, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "2/min"},
    }
    api_key, client = _keyed(world.police_liaison)
    assert [client.get(EPISODES).status_code for _ in range(4)] == [200, 200, 429, 429]
    key = cache.make_and_validate_key(
        ApiKeyRateThrottle.cache_format % {"scope": "api_key", "ident": f"key:{api_key.prefix}"}
    )
    redis = cache._cache.get_client(key, write=True)
    assert redis.zcard(key) == 2, "two requests in the window; the refused ones not counted"
    assert 0 < redis.ttl(key) <= 60, "the window forgets itself"
