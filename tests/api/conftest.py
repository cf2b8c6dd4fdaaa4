"""API test helpers: a key per persona, a frozen clock, and the scene the matrix uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import time_machine
from rest_framework.test import APIClient

from api.services import create_api_key
from casework.services import report_episode
from core.actors import ENGINE
from episodes.models import Episode
from episodes.services import record_return

# Monday 30 March 2026, 12:00 UTC (13:00 BST): after the spring clock change.
NOW = dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client_for(db):
    """An APIClient carrying a new key for `user` (no key for the anonymous user)."""

    def make(user) -> APIClient:
        client = APIClient()
        if getattr(user, "is_authenticated", False):
            _api_key, key = create_api_key(acting_user=ENGINE, user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@dataclasses.dataclass
class Scene:
    """world.child with a closed episode (reported to world.force) and, optionally, an open one."""

    closed: Episode
    open: Episode | None = None


def closed_episode(world) -> Episode:
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(days=3),
        police_force=world.force,
        police_reference="NP-1",
    )
    return record_return(
        acting_user=world.social_worker, episode=episode, returned_at=NOW - dt.timedelta(days=2)
    )


def open_episode(world) -> Episode:
    return report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=5),
        police_force=world.force,
        police_reference="NP-2",
    )


@pytest.fixture
def scene(world) -> Scene:
    return Scene(closed=closed_episode(world))


@pytest.fixture
def open_scene(world) -> Scene:
    closed = closed_episode(world)
    return Scene(closed=closed, open=open_episode(world))


RECORD_PATH = re.compile(r"^/api/v1/[a-z-]+/[0-9]+/")


def etag_of(client: APIClient, path: str) -> str:
    """The ETag a GET of the record answers: If-Match names it on every change of an
    existing record (api.etags). An action's path (`episodes/7/return/`) names its record
    (`episodes/7/`); a sub-resource PATCHed in place (`children/7/philomena/`) is its own."""
    if not path.endswith("/philomena/"):
        match = RECORD_PATH.match(path)
        assert match, f"{path} names no record"
        path = match.group(0)
    response = client.get(path)
    assert response.status_code == 200, f"GET {path}: {response.status_code} {response.content!r}"
    return response["ETag"]
