"""Bodies the API refuses whole (issue 11): a field the endpoint does not take, and free
text over its limit. Each is a 400 problem naming the field, and nothing changes."""

from __future__ import annotations

import inspect

import pytest
from rest_framework import serializers

from api import serializers as api_serializers
from episodes.models import Episode
from tests.api.test_contract import REPORT, _problem


def test_an_unknown_field_in_a_new_episode_is_refused_with_400_and_nothing_is_recorded(
    world, client_for
):
    client = client_for(world.social_worker)
    count = Episode.objects.count()
    body = {**REPORT, "child": world.child.pk, "returned_att": "2026-03-30T11:00:00+01:00"}
    problem = _problem(client.post("/api/v1/episodes/", body, format="json"), 400)
    assert problem["errors"]["returned_att"] == ["Unknown field: this endpoint does not take it."]
    assert Episode.objects.count() == count


def test_the_same_body_without_the_unknown_field_is_recorded(world, client_for):
    client = client_for(world.social_worker)
    response = client.post("/api/v1/episodes/", {**REPORT, "child": world.child.pk}, format="json")
    assert response.status_code == 201, response.content


def test_a_category_in_a_correction_is_refused_not_ignored(world, open_scene, client_for):
    """The category changes through reclassify; a PATCH naming it must not look applied."""
    client = client_for(world.social_worker)
    path = f"/api/v1/episodes/{open_scene.open.pk}/"
    etag = client.get(path)["ETag"]
    response = client.patch(path, {"category": "absent"}, format="json", HTTP_IF_MATCH=etag)
    assert "category" in _problem(response, 400)["errors"]
    assert Episode.objects.get(pk=open_scene.open.pk).category == "missing"


def test_an_unknown_field_inside_a_nested_attendee_is_refused(world, open_scene, client_for):
    client = client_for(world.team_manager)
    body = {
        "child": world.child.pk,
        "held_at": "2026-03-30T11:00:00+01:00",
        "attendees": [{"agency": world.force.pk, "name": "PC Evan", "rank": "PC"}],
    }
    problem = _problem(client.post("/api/v1/strategy-meetings/", body, format="json"), 400)
    assert "rank" in str(problem["errors"])


@pytest.mark.parametrize(("length", "status"), [(10_000, 201), (10_001, 400), (200_000, 400)])
def test_circumstances_over_ten_thousand_characters_are_refused(world, client_for, length, status):
    client = client_for(world.social_worker)
    body = {**REPORT, "child": world.child.pk, "circumstances": "x" * length}
    response = client.post("/api/v1/episodes/", body, format="json")
    assert response.status_code == status, response.content[:300]
    if status == 400:
        assert "circumstances" in _problem(response, 400)["errors"]
        assert not Episode.objects.exists()


def _writable_text_fields():
    for name, cls in inspect.getmembers(api_serializers, inspect.isclass):
        if (
            issubclass(cls, serializers.BaseSerializer)
            and cls.__module__ == api_serializers.__name__
        ):
            if name in {"StrictSerializer", "StrictModelSerializer"}:
                continue
            for field_name, field in cls().fields.items():
                if isinstance(field, serializers.CharField) and not field.read_only:
                    yield f"{name}.{field_name}", field


def test_every_writable_text_field_of_the_api_has_a_limit():
    unlimited = [name for name, field in _writable_text_fields() if field.max_length is None]
    assert list(_writable_text_fields()), "the walk found no text fields"
    assert unlimited == []


def test_unknown_field_names_are_echoed_printable_so_a_replay_can_store_them(world, client_for):
    """A NUL in a field's name must not turn the 400 into a 500 when the answer is kept
    for Idempotency-Key replays (PostgreSQL's JSON cannot hold NUL)."""
    client = client_for(world.social_worker)
    body = {**REPORT, "child": world.child.pk, "bad\u0000name": 1, "x" * 300: 2}
    response = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul")
    errors = _problem(response, 400)["errors"]
    assert set(errors) == {"badname", "x" * 100}
    again = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul")
    assert again.json() == response.json()
