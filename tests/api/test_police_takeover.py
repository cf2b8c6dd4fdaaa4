"""Issue 14, finding 1: a name and a date of birth do not open a child's record to a force.

Regression tests for the takeover (a force reporting a council's child by name and date
of birth saw the child's whole record), the 409 oracle (a refusal told an unrelated force
that the child exists and is missing now), and police PATCHing other forces' episodes.
"""

from __future__ import annotations

import pytest
import time_machine

from core.errors import NotAllowed
from episodes.models import Episode
from episodes.services import update_episode
from panels.services import record_strategy_meeting
from returns.services import record_return_interview
from tests.api.conftest import etag_of
from tests.kit import report, utc

EPISODES = "/api/v1/episodes/"
SECRET_DECISION = "Decision-only-for-social-care"
SECRET_DISCLOSURE = "Disclosure-only-for-social-care"


def details(world, child=None, **extra) -> dict:
    child = child or world.child
    return {
        "child_details": {
            "given_name": child.given_name,
            "family_name": child.family_name,
            "date_of_birth": str(child.date_of_birth),
            "responsible_authority": world.council.pk,
        },
        "category": "missing",
        "last_seen_at": "2026-03-30T09:00:00+01:00",
        "police_reference": "SP-2026-0009",
    } | extra


@pytest.fixture
def known_child(world):
    """world.child, reported by the council (no force), returned, interviewed, discussed."""
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        episode = report(world, last_seen_at=utc(2026, 2, 27, 20))
        from episodes.services import record_return

        record_return(
            acting_user=world.social_worker, episode=episode, returned_at=utc(2026, 2, 28, 9)
        )
        episode.refresh_from_db()
        record_return_interview(
            acting_user=world.social_worker,
            child=world.child,
            episodes=[episode],
            offered_at=utc(2026, 2, 28, 12),
            outcome="held",
            held_at=utc(2026, 2, 28, 15),
            disclosures=SECRET_DISCLOSURE,
        )
        record_strategy_meeting(
            acting_user=world.social_worker,
            child=world.child,
            episode=episode,
            held_at=utc(2026, 2, 28, 16),
            decisions=SECRET_DECISION,
        )
    return episode


def test_the_takeover_a_name_and_birthday_show_the_force_only_its_own_episode(
    world, client_for, known_child
):
    frost = client_for(world.other_police_liaison)

    response = frost.post(EPISODES, details(world), format="json")

    assert response.status_code == 201, response.json()
    sent = response.json()
    assert Episode.objects.get(pk=sent["id"]).child_id == world.child.pk, "the match is kept"
    child = f"/api/v1/children/{world.child.pk}/"
    for url in (child, f"{child}philomena/", f"{child}photo/", f"{EPISODES}{known_child.pk}/"):
        assert frost.get(url).status_code == 404, url
    assert [row["id"] for row in frost.get(EPISODES).json()["results"]] == [sent["id"]]
    for url in ("/api/v1/return-interviews/", "/api/v1/strategy-meetings/", "/api/v1/children/"):
        page = frost.get(url)
        assert page.json()["results"] == [], url
        assert SECRET_DECISION not in page.content.decode()
    page = client_for(world.other_police_liaison).get(f"/children/{world.child.pk}/")
    assert page.status_code in (302, 404)


def _shape(reply: dict) -> dict:
    return {
        key: (value if key in ("child", "missing_from", "status") else "?")
        for key, value in reply.items()
    }


@pytest.mark.parametrize("state", ["missing_now", "returned", "ambiguous", "unknown"])
def test_no_reply_says_whether_the_council_knows_the_child_or_that_it_is_missing(
    world, client_for, state
):
    """The 409 oracle: each case answers 201 with the same shape and nothing of the child."""
    from tests.factories import ChildFactory

    with time_machine.travel(utc(2026, 3, 30, 12), tick=False):
        if state == "missing_now":
            report(world, last_seen_at=utc(2026, 3, 30, 7, 13))
        elif state == "returned":
            from episodes.services import record_return

            episode = report(world, last_seen_at=utc(2026, 3, 20, 7, 13))
            record_return(
                acting_user=world.social_worker, episode=episode, returned_at=utc(2026, 3, 21, 9)
            )
        elif state == "ambiguous":
            ChildFactory(
                given_name="Jamey",
                family_name=world.child.family_name,
                date_of_birth=world.child.date_of_birth,
                responsible_authority=world.council,
            )
        else:
            world.child.given_name = "Unheardof"
        response = client_for(world.other_police_liaison).post(
            EPISODES, details(world), format="json"
        )

    assert response.status_code == 201, response.content
    assert _shape(response.json()) == {
        **dict.fromkeys(response.json(), "?"),
        "child": None,
        "missing_from": None,
        "status": "open",
    }
    text = response.content.decode()
    for leak in ("07:13", "08:13", "Jamey", "already", "Fictional"):
        assert leak not in text


def test_a_police_key_patches_only_its_own_forces_episodes(world, client_for):
    with time_machine.travel(utc(2026, 3, 30, 12), tick=False):
        own = report(world, last_seen_at=utc(2026, 3, 10, 9), police_force=world.force)
        from episodes.services import record_return

        record_return(acting_user=world.social_worker, episode=own, returned_at=utc(2026, 3, 11, 9))
        council = report(world, last_seen_at=utc(2026, 3, 20, 9))
    evans = client_for(world.police_liaison)
    assert evans.get(f"/api/v1/children/{world.child.pk}/").status_code == 200, "his force's child"

    refused = evans.patch(
        f"{EPISODES}{council.pk}/", {"police_reference": "X"}, format="json", HTTP_IF_MATCH="*"
    )
    allowed = evans.patch(
        f"{EPISODES}{own.pk}/",
        {"police_reference": "NP-1"},
        format="json",
        HTTP_IF_MATCH=etag_of(evans, f"{EPISODES}{own.pk}/"),
    )

    assert refused.status_code == 404, "another's episode is not his to see or change"
    assert allowed.status_code == 200, allowed.content
    with pytest.raises(NotAllowed):
        update_episode(acting_user=world.police_liaison, episode=council, police_reference="X")
    council.refresh_from_db()
    assert council.police_reference == ""
    # The other side: the council's social worker corrects any episode of the child.
    update_episode(acting_user=world.social_worker, episode=own, police_reference="NP-2")


def test_the_mash_confirms_the_match_on_the_episode_page_and_only_then_the_force_sees(
    world, client_for
):
    from django.test import Client
    from django.urls import reverse

    evans = client_for(world.police_liaison)
    sent = evans.post(EPISODES, details(world), format="json").json()
    page, confirm = (
        reverse("episodes:detail", args=[sent["id"]]),
        reverse("casework:confirm_match", args=[sent["id"]]),
    )
    mash, police = Client(), Client()
    mash.force_login(world.mash_triage)
    police.force_login(world.police_liaison)

    assert "Confirm the police's match" in mash.get(page).content.decode()
    assert police.get(page).status_code == 404, "the page would name the council's child"
    assert police.post(confirm).status_code == 404
    assert Episode.objects.get(pk=sent["id"]).awaiting_match

    assert mash.post(confirm).status_code == 302
    assert not Episode.objects.get(pk=sent["id"]).awaiting_match
    assert evans.get(f"/api/v1/children/{world.child.pk}/").status_code == 200
    assert "Confirm the police" not in mash.get(page).content.decode()
    assert police.get(page).status_code == 200
