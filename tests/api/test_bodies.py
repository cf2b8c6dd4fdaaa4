"""Bodies and dates the API refuses whole, as problem+json, never a 500: JSON nested
too deep (400), a body over API_MAX_BODY_BYTES (413), dates before 1990 or in the future
(400). Nothing changes."""

from __future__ import annotations

import json

import pytest

from api.parsers import MAX_DEPTH
from episodes.models import Episode
from tests.api.test_contract import REPORT, _problem


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 200_000])
def test_json_nested_too_deep_is_a_400_problem_not_a_500(world, client_for, depth):
    client = client_for(world.social_worker)
    before = Episode.objects.count()
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/episodes/", body, content_type="application/json")
    problem = _problem(response, 400)
    assert f"nested more than {MAX_DEPTH} levels deep" in problem["detail"]
    assert Episode.objects.count() == before


def test_json_nested_as_deep_as_allowed_is_read(world, client_for):
    body = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    response = client_for(world.social_worker).post(
        "/api/v1/episodes/", body, content_type="application/json"
    )
    # Read, then refused as the wrong shape for an episode: a validation 400, not depth.
    assert "nested" not in _problem(response, 400)["detail"]


def test_a_body_over_the_limit_is_413_and_one_at_the_limit_is_read(world, client_for, settings):
    client = client_for(world.social_worker)
    body = json.dumps({**REPORT, "child": world.child.pk, "circumstances": "x" * 5_000})
    settings.API_MAX_BODY_BYTES = len(body.encode())
    at_limit = client.post("/api/v1/episodes/", body, content_type="application/json")
    assert at_limit.status_code == 201, at_limit.content
    before = Episode.objects.count()
    settings.API_MAX_BODY_BYTES = len(body.encode()) - 1
    over = client.post("/api/v1/episodes/", body, content_type="application/json")
    assert _problem(over, 413)["type"].endswith("/payload_too_large")
    assert Episode.objects.count() == before


@pytest.mark.parametrize(
    ("last_seen_at", "message"),
    [
        ("0100-03-30T10:00:00+00:00", "must be the same as or after 1 January 1990"),
        ("1989-12-31T23:59:00+00:00", "must be the same as or after 1 January 1990"),
        ("2026-04-01T10:00:00+01:00", "must be today or in the past"),
        ("9999-12-31T10:00:00+00:00", "must be today or in the past"),
    ],
)
def test_an_episode_dated_before_1990_or_in_the_future_is_refused(
    world, client_for, last_seen_at, message
):
    before = Episode.objects.count()
    response = client_for(world.social_worker).post(
        "/api/v1/episodes/",
        {**REPORT, "child": world.child.pk, "last_seen_at": last_seen_at},
        format="json",
    )
    problem = _problem(response, 400)
    assert message in problem["errors"]["last_seen_at"][0]
    assert Episode.objects.count() == before


def test_a_date_of_birth_before_1990_is_refused_and_nothing_is_created(world, client_for):
    client = client_for(world.social_worker)
    before = Episode.objects.count(), type(world.child).objects.count()
    too_early = client.post(
        "/api/v1/children/",
        {"given_name": "Robin", "family_name": "Madeup", "date_of_birth": "1989-12-31"},
        format="json",
    )
    # Two rules refuse it: the sane range (1990 onwards) and, stricter for a child's
    # record, "more than 25 years ago"; whichever speaks, the field is named and nothing
    # is created.
    message = _problem(too_early, 400)["errors"]["date_of_birth"][0]
    assert "1 January 1990" in message or "more than 25 years ago" in message
    assert (Episode.objects.count(), type(world.child).objects.count()) == before
