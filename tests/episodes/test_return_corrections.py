"""Correcting a return in the browser with the API's rules, and re-opening a returned
episode: an explicit, audited act with a reason, for children's social care only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import create_api_key
from casework.services import report_episode
from core.actors import ENGINE
from core.clock import LONDON
from core.errors import Conflict, NotAllowed, Refused
from episodes.models import Episode, Reopening
from episodes.services import (
    record_return,
    record_safe_and_well_check,
    reopen_episode,
    update_episode,
)
from protocol.models import Deadline
from tests.api.conftest import etag_of

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
LAST_SEEN = dt.datetime(2026, 6, 8, 20, 0, tzinfo=LONDON)
RETURNED = dt.datetime(2026, 6, 9, 9, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def returned(world) -> Episode:
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=LAST_SEEN,
        police_force=world.force,
    )
    return record_return(acting_user=world.social_worker, episode=episode, returned_at=RETURNED)


def _check(world, episode: Episode, at: dt.datetime) -> None:
    record_safe_and_well_check(
        acting_user=world.police_liaison, episode=episode, checked_at=at, officer_name="PC 1"
    )


def _api(user) -> APIClient:
    client = APIClient()
    _key, key = create_api_key(acting_user=ENGINE, user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_the_return_page_corrects_the_time_and_the_deadlines_follow(client, world, returned):
    client.force_login(world.social_worker)
    url = reverse("episodes:correct_return", args=[returned.pk])
    page = client.get(url).content.decode()
    assert 'value="09:00"' in page, "the form starts from the recorded return"
    response = client.post(
        url,
        {
            "returned_day": "9",
            "returned_month": "6",
            "returned_year": "2026",
            "returned_time": "07:30",
            "return_location": "Home",
            "how_found": "returned_themselves",
        },
    )
    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.returned_at == dt.datetime(2026, 6, 9, 7, 30, tzinfo=LONDON)
    interview = Deadline.objects.get(episode=returned, rule="return_interview", status="open")
    assert interview.due_at == returned.returned_at + dt.timedelta(hours=72)


def test_a_return_cannot_move_after_the_safe_and_well_check_recorded_against_it(
    client, world, returned
):
    _check(world, returned, dt.datetime(2026, 6, 9, 11, 0, tzinfo=LONDON))
    # Up to the check itself is fine (both sides of the boundary).
    update_episode(
        acting_user=world.social_worker,
        episode=returned,
        returned_at=dt.datetime(2026, 6, 9, 11, 0, tzinfo=LONDON),
    )
    with pytest.raises(Refused) as refused:
        update_episode(
            acting_user=world.social_worker,
            episode=returned,
            returned_at=dt.datetime(2026, 6, 9, 11, 1, tzinfo=LONDON),
        )
    assert refused.value.field == "returned_at"
    client.force_login(world.social_worker)
    response = client.post(
        reverse("episodes:correct_return", args=[returned.pk]),
        {
            "returned_day": "9",
            "returned_month": "6",
            "returned_year": "2026",
            "returned_time": "12:00",
            "return_location": "",
            "how_found": "returned_themselves",
        },
    )
    assert response.status_code == 200
    assert "safe and well check" in response.content.decode()
    assert Episode.objects.get(pk=returned.pk).returned_at == dt.datetime(
        2026, 6, 9, 11, 0, tzinfo=LONDON
    )


def test_a_patch_cannot_clear_a_return_even_from_the_social_worker(world, returned):
    with pytest.raises(Conflict) as refused:
        update_episode(acting_user=world.social_worker, episode=returned, returned_at=None)
    assert refused.value.code == "reopen_required"
    assert Episode.objects.get(pk=returned.pk).returned_at == RETURNED


def test_a_police_key_patch_cannot_clear_a_return(world, returned):
    client = _api(world.police_liaison)
    path = f"/api/v1/episodes/{returned.pk}/"
    response = client.patch(
        path, {"returned_at": None}, format="json", HTTP_IF_MATCH=etag_of(client, path)
    )
    assert response.status_code == 409, response.content
    assert Episode.objects.get(pk=returned.pk).returned_at == RETURNED


def test_police_may_not_reopen_by_the_api_or_the_service(world, returned):
    client = _api(world.police_liaison)
    path = f"/api/v1/episodes/{returned.pk}/reopen/"
    response = client.post(
        path, {"reason": "Seen again"}, format="json", HTTP_IF_MATCH=etag_of(client, path)
    )
    assert response.status_code == 403, response.content
    with pytest.raises(NotAllowed):
        reopen_episode(acting_user=world.police_liaison, episode=returned, reason="Seen again")
    assert Episode.objects.get(pk=returned.pk).returned_at == RETURNED


def test_the_social_worker_reopens_with_a_reason_and_the_cleared_return_is_kept(world, returned):
    assert Deadline.objects.filter(episode=returned, rule="return_interview").exists()
    reopen_episode(
        acting_user=world.social_worker, episode=returned, reason="Not Jamie: a mistaken sighting."
    )
    episode = Episode.objects.get(pk=returned.pk)
    assert episode.is_open
    reopening = Reopening.objects.get(episode=episode)
    assert (reopening.cleared_returned_at, reopening.reopened_by) == (
        RETURNED,
        world.social_worker,
    )
    live = Deadline.objects.filter(
        episode=episode, rule="return_interview", status__in=["open", "scheduled"]
    )
    assert not live.exists(), "no return, so no return interview is due"


def test_reopening_needs_a_reason_and_is_refused_once_a_check_is_recorded(world, returned):
    with pytest.raises(Refused):
        reopen_episode(acting_user=world.social_worker, episode=returned, reason="  ")
    _check(world, returned, dt.datetime(2026, 6, 9, 11, 0, tzinfo=LONDON))
    with pytest.raises(Conflict):
        reopen_episode(acting_user=world.social_worker, episode=returned, reason="Mistake")
    assert Episode.objects.get(pk=returned.pk).returned_at == RETURNED


def test_the_reopen_page_is_linked_for_social_care_only(client, world, returned):
    detail = reverse("episodes:detail", args=[returned.pk])
    url = reverse("episodes:reopen", args=[returned.pk])
    client.force_login(world.police_liaison)
    assert url not in client.get(detail).content.decode()
    assert client.get(url).status_code == 403
    client.force_login(world.team_manager)
    assert url in client.get(detail).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Say why the return is being cleared" in (
        response.content.decode()
    )
    response = client.post(url, {"reason": "Recorded against the wrong child."})
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert "Recorded against the wrong child." in page


def test_philomena_part_two_is_recorded_on_the_episode_and_printed(client, world, returned):
    client.force_login(world.social_worker)
    response = client.post(
        reverse("episodes:philomena_part_two", args=[returned.pk]),
        {"clothing_when_last_seen": "Red hoodie", "who_with": "Sam", "circumstances": "Row"},
    )
    assert response.status_code == 302
    sheet = client.get(reverse("children:philomena_sheet", args=[world.child.pk]))
    assert "Red hoodie" in sheet.content.decode() and "OFFICIAL-SENSITIVE" in sheet.content.decode()


def test_philomena_part_two_is_taken_with_the_report_in_the_browser(client, world):
    client.force_login(world.social_worker)
    response = client.post(
        reverse("episodes:report", args=[world.child.pk]),
        {
            "last_seen_day": "10",
            "last_seen_month": "6",
            "last_seen_year": "2026",
            "last_seen_time": "11:00",
            "last_seen_location": "School gates",
            "category": "missing",
            "reported_to_police": "no",
            "circumstances": "Left after an argument",
            "clothing_when_last_seen": "Grey school uniform, black coat",
            "who_with": "Possibly Sam",
        },
    )
    assert response.status_code == 302
    episode = world.child.episodes.get()
    assert (episode.clothing_when_last_seen, episode.who_with, episode.circumstances) == (
        "Grey school uniform, black coat",
        "Possibly Sam",
        "Left after an argument",
    )


def test_philomena_part_two_is_taken_with_the_report_by_the_api(world):
    response = _api(world.social_worker).post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "category": "missing",
            "last_seen_at": "2026-06-10T10:00:00+01:00",
            "clothing_when_last_seen": "Red hoodie",
            "who_with": "Alone",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["clothing_when_last_seen"], response.json()["who_with"]) == (
        "Red hoodie",
        "Alone",
    )


def test_part_two_may_not_be_written_by_a_force_with_no_link_to_the_child(world, returned):
    from episodes.services import record_philomena_part_two

    with pytest.raises(NotAllowed):
        record_philomena_part_two(
            acting_user=world.other_police_liaison,
            episode=returned,
            clothing_when_last_seen="x",
            who_with="",
            circumstances="",
        )
    record_philomena_part_two(
        acting_user=world.police_liaison,
        episode=returned,
        clothing_when_last_seen="Blue jeans",
        who_with="",
        circumstances="",
    )
    assert Episode.objects.get(pk=returned.pk).clothing_when_last_seen == "Blue jeans"
