"""`GET /api/v1/deadlines/` reads a page's ids first (api.pagination.KeysFirstQuerySet,
decision 0028): walking its cursor pages, forwards and back, in each ordering, gives the
rows of one long page, and only the deadlines of children the reader may see."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.services import report_episode
from children.selectors import child_visibility
from protocol.models import Deadline
from tests.api.conftest import NOW

DEADLINES = "/api/v1/deadlines/"


@pytest.fixture
def ledger(world):
    # An open episode of the social worker's child: the engine opens its deadlines.
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(days=3),
        police_force=world.force,
    )
    assert Deadline.objects.filter(child=world.child).count() >= 4


@pytest.mark.parametrize("ordering", ["-id", "id", "-updated_at", "due_at"])
def test_the_cursor_pages_walk_the_rows_of_one_long_page_both_ways(
    world, ledger, client_for, ordering
):
    api = client_for(world.social_worker)
    everything = api.get(f"{DEADLINES}?page_size=200&ordering={ordering}").json()["results"]
    assert [row["id"] for row in everything] and len(everything) == (
        Deadline.objects.filter(child_visibility(world.social_worker, "child_id")).count()
    )
    walked, url, last = [], f"{DEADLINES}?page_size=2&ordering={ordering}", None
    while url:
        body = api.get(url).json()
        walked += body["results"]
        url, last = body["next"], body
    assert walked == everything, ordering
    # And back from the last page to the first.
    back, url = list(last["results"]), last["previous"]
    while url:
        body = api.get(url).json()
        back = body["results"] + back
        url = body["previous"]
    assert back == everything, ordering


def test_the_neighbouring_force_sees_none_of_them(world, ledger, client_for):
    mine = client_for(world.police_liaison).get(f"{DEADLINES}?page_size=200").json()["results"]
    assert world.child.pk in {row["child"] for row in mine}, "the force the episodes name"
    other = client_for(world.other_police_liaison).get(f"{DEADLINES}?page_size=200").json()
    assert world.child.pk not in {row["child"] for row in other["results"]}
