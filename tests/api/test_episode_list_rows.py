"""`GET /api/v1/episodes/` reads its page as `values()` rows and renders them with orjson
(issue 13, decision 0021). The body must be byte for byte what EpisodeSerializer and DRF's
JSONRenderer give for the same rows, for every persona, with the awaiting-match rule (a
force does not see which child an unconfirmed report sits on) and the access events."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from rest_framework.renderers import JSONRenderer

from api.renderers import OrjsonRenderer
from api.serializers import EpisodeSerializer
from casework.services import report_episode
from children.models import RecordAccess
from children.services import allocate_child
from core.actors import ENGINE
from episodes.models import Episode
from episodes.selectors import hidden_children_of_awaiting_episodes, visible_episodes
from episodes.services import update_episode
from tests.api.conftest import NOW
from tests.api.test_episode_representation import episodes  # noqa: F401 (a fixture)
from tests.api.test_police_takeover import EPISODES, details
from tests.factories import ChildFactory

PERSONAS = [
    "social_worker",
    "team_manager",
    "other_social_worker",
    "mash_triage",
    "missing_coordinator",
    "police_liaison",
    "other_police_liaison",
]


@pytest.fixture
def every_kind(world, episodes, client_for):  # noqa: F811 (the imported fixture)
    """The representation test's episodes (winter and summer times, absent, entered in
    error, open), one with text that JSON writers treat differently (accents, an emoji,
    U+2028, quotes, a backslash), and a police report awaiting the council's confirmation
    of a child the force cannot otherwise see."""
    texts = report_episode(
        acting_user=world.social_worker,
        child=_allocated_child(world),
        category="missing",
        last_seen_at=NOW - dt.timedelta(days=1),
        police_force=world.force,
        police_reference="NP-ÅÉ-7",
        last_seen_location='Café Zoë \U0001f6b2, "the" bus\\stop',
        circumstances="Left\u2028after\u2029dinner\n\ttabbed",
    )
    unseen = ChildFactory(
        responsible_authority=world.council,
        given_name="Morgan",
        family_name="Unseen",
        date_of_birth=dt.date(2011, 2, 3),
    )
    sent = client_for(world.police_liaison).post(
        EPISODES, details(world, child=unseen), format="json"
    )
    assert sent.status_code == 201, sent.content
    awaiting = Episode.objects.get(pk=sent.json()["id"])
    assert awaiting.awaiting_match and awaiting.child_id == unseen.pk
    return [*episodes, texts, awaiting]


def _allocated_child(world):
    child = ChildFactory(responsible_authority=world.council, date_of_birth=dt.date(2012, 5, 5))
    allocate_child(acting_user=ENGINE, child=child, team=world.team)
    return child


def _as_the_serializer_gives(user, response) -> bytes:
    """What the list answered before rows: EpisodeSerializer over model instances, with the
    viewset's context, rendered by DRF's JSONRenderer, around the same cursor links."""
    hidden = hidden_children_of_awaiting_episodes(user)
    rows = visible_episodes(user).order_by("-id")
    results = [EpisodeSerializer(row, context={"hidden_children": hidden}).data for row in rows]
    body = response.json()
    return JSONRenderer().render(
        {"next": body["next"], "previous": body["previous"], "results": results}
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_is_byte_for_byte_what_the_serializer_and_drf_render(
    world, every_kind, client_for, persona
):
    user = getattr(world, persona)
    response = client_for(user).get(f"{EPISODES}?page_size=200")
    assert response.status_code == 200, response.content
    assert response.content == _as_the_serializer_gives(user, response)


def test_the_force_gets_its_own_episodes_and_not_the_child_of_an_unconfirmed_report(
    world, every_kind, client_for
):
    *_theirs, texts, awaiting = every_kind
    police = client_for(world.police_liaison).get(f"{EPISODES}?page_size=200").json()["results"]
    shown = {row["id"]: row for row in police}
    assert set(shown) == set(
        Episode.objects.filter(police_force=world.force).values_list("pk", flat=True)
    ), "every episode the force was told of, and none of another force's"
    assert shown[awaiting.pk]["child"] is None and shown[awaiting.pk]["missing_from"] is None
    assert shown[texts.pk]["child"] == texts.child_id, "a child the force sees keeps its id"
    assert set(shown[awaiting.pk]) == set(EpisodeSerializer().get_fields()) - {
        "police_force",
        "child_details",
    }, "no field the serializer does not show"
    other = client_for(world.other_police_liaison).get(EPISODES).json()["results"]
    assert other == [], "the neighbouring force sees none of them"

    # The council sees the child of the report (MASH confirms it).
    mash = client_for(world.mash_triage).get(f"{EPISODES}?page_size=200").json()["results"]
    assert {row["id"]: row for row in mash}[awaiting.pk]["child"] == awaiting.child_id


def test_the_list_notes_each_episode_for_the_access_event(world, every_kind, client_for):
    client_for(world.police_liaison).get(f"{EPISODES}?page_size=200")
    noted = {
        access.child_id: set(access.records)
        for access in RecordAccess.objects.filter(user=world.police_liaison, channel="api")
    }
    expected: dict[int, set[str]] = {}
    for episode in Episode.objects.filter(police_force=world.force):
        expected.setdefault(episode.child_id, set()).add(f"episode:{episode.pk}")
    assert noted == expected


def test_cursor_pages_and_orderings_walk_the_same_rows(world, every_kind, client_for):
    api = client_for(world.social_worker)
    for ordering in ("-id", "last_seen_at", "-updated_at"):
        everything = api.get(f"{EPISODES}?page_size=200&ordering={ordering}").json()["results"]
        walked, url = [], f"{EPISODES}?page_size=2&ordering={ordering}"
        while url:
            body = api.get(url).json()
            walked += body["results"]
            url = body["next"]
        assert walked == everything, ordering
        assert len(everything) == visible_episodes(world.social_worker).count()


def test_an_episode_changed_after_it_was_listed_is_listed_as_it_is_now(
    world, every_kind, client_for
):
    api = client_for(world.social_worker)
    texts = every_kind[-2]
    update_episode(acting_user=world.social_worker, episode=texts, police_reference="NP-8")
    rows = api.get(f"{EPISODES}?page_size=200").json()["results"]
    assert {row["id"]: row for row in rows}[texts.pk]["police_reference"] == "NP-8"


@pytest.mark.parametrize(
    "data",
    [
        {"text": 'Zoë \u2028 \u2029 \U0001f6b2 "q" \\ \x01', "n": 2**53, "ok": True, "none": None},
        [{"nested": ["a", {"b": []}]}, -1, False],
        {"time": dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC)},  # DRF's encoder writes it
        {"ratio": 1e16, "half": 0.5},  # floats: DRF's repr, not orjson's
        {"big": 2**70},  # past 64 bits: orjson refuses, DRF writes it
    ],
)
def test_the_renderer_writes_what_drfs_does(data):
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_the_renderer_refuses_nan_as_drf_does():
    with pytest.raises(ValueError, match="JSON compliant"):
        OrjsonRenderer().render({"nan": math.nan})


def test_the_renderer_pretty_prints_when_asked_as_drf_does():
    data = {"a": [1, {"b": "c"}]}
    media_type = "application/json; indent=4"
    assert OrjsonRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
