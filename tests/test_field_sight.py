"""Issue 14: the permission matrix extended to fields.

Every persona x every page and endpoint that can show a restricted part of a child's
record (interview disclosures and follow-ups, strategy meeting decisions, the access log,
the change history): absent for those who may not see it, present for those who may, by
the one definition in children.permissions.SIGHT_ROLES. Counted: 0 leaks.
"""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from children.models import Child
from episodes.services import record_return
from panels.services import record_strategy_meeting
from returns.services import record_return_interview
from tests.kit import report, utc

DISCLOSURE = "Disclosure-7f3a"
FOLLOW_UP = "Follow-up-91bc"
DECISION = "Decision-c0de"
# Those who see the social-care-only parts of world.child (all of whom see the child).
SOCIAL_CARE = {"social_worker", "team_manager", "missing_coordinator", "senior_manager"}
# Those who see the child but none of those parts.
OTHERS_WHO_SEE_THE_CHILD = {"police_liaison", "mash_triage", "return_officer"}

NOW = utc(2026, 3, 30, 12)


@pytest.fixture
def record(world):
    with time_machine.travel(utc(2026, 3, 28, 12), tick=False):
        episode = report(world, last_seen_at=utc(2026, 3, 27, 20), police_force=world.force)
        record_return(
            acting_user=world.social_worker, episode=episode, returned_at=utc(2026, 3, 28, 9)
        )
        episode.refresh_from_db()
        interview = record_return_interview(
            acting_user=world.return_officer,
            child=world.child,
            episodes=[episode],
            offered_at=utc(2026, 3, 28, 10),
            outcome="held",
            held_at=utc(2026, 3, 28, 11),
            interviewer=world.return_officer,
            disclosures=DISCLOSURE,
            follow_ups=FOLLOW_UP,
        )
        meeting = record_strategy_meeting(
            acting_user=world.social_worker,
            child=world.child,
            episode=episode,
            held_at=utc(2026, 3, 28, 11, 30),
            decisions=DECISION,
        )
    Client().force_login(world.social_worker)  # nothing: the access log gets rows below
    return {"child": world.child, "interview": interview, "meeting": meeting}


def _pages(record) -> dict[str, tuple[str, tuple[str, ...]]]:
    """page -> (url, the restricted markers it shows to those who may see them)."""
    child: Child = record["child"]
    return {
        "child record": (
            reverse("casework:child_record", args=[child.pk]),
            (
                f'href="{reverse("casework:child_history", args=[child.pk])}"',
                f'href="{reverse("casework:child_access_log", args=[child.pk])}"',
                DECISION,
            ),
        ),
        # Pages of their own (decision 0025): a 404 to those without the sight.
        "change history": (
            reverse("casework:child_history", args=[child.pk]),
            ('id="change-history"',),
        ),
        "access log": (
            reverse("casework:child_access_log", args=[child.pk]),
            ('id="access-log"',),
        ),
        "return interview": (
            reverse("returns:interview", args=[record["interview"].pk]),
            (DISCLOSURE, FOLLOW_UP),
        ),
        "strategy meeting": (
            reverse("panels:meeting", args=[record["meeting"].pk]),
            (DECISION,),
        ),
    }


API = ("/api/v1/strategy-meetings/", "/api/v1/return-interviews/", "/api/v1/episodes/")


def everyone(world) -> dict:
    """The world's personas, with the Assistant Director and a panel member."""
    return world.personas() | {
        "senior_manager": world.senior_manager,
        "panel_member": world.panel_member,
    }


def _browser(user) -> Client:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def test_every_persona_on_every_page_and_endpoint_sees_exactly_its_fields(world, record):
    cells = leaks = 0
    seen_by: dict[str, set[str]] = {}
    with time_machine.travel(NOW, tick=False):
        # Someone opened the record, so the access log has a row to show or hide.
        assert (
            _browser(world.social_worker).get(_pages(record)["child record"][0]).status_code == 200
        )
        for name, user in everyone(world).items():
            browser = _browser(user)
            for page, (url, markers) in _pages(record).items():
                response = browser.get(url)
                html = response.content.decode()
                if response.status_code == 200:
                    seen_by.setdefault(page, set()).add(name)
                else:
                    assert response.status_code in (302, 404), (name, page, response.status_code)
                for marker in markers:
                    cells += 1
                    shown = marker in html
                    if name in SOCIAL_CARE:
                        assert shown, f"{name} should see {marker} on the {page} page"
                    elif shown:
                        leaks += 1
            api = APIClient()
            if user.is_authenticated:
                api.force_authenticate(user)
            for url in API:
                text = api.get(url).content.decode()
                for marker in (DISCLOSURE, FOLLOW_UP, DECISION):
                    cells += 1
                    expected = name in SOCIAL_CARE and marker == DECISION and "meetings" in url
                    if expected:
                        assert marker in text, (name, url)
                    elif marker in text:
                        leaks += 1
    print(f"field matrix: {len(everyone(world))} personas, {cells} cells, {leaks} leaks")
    assert leaks == 0
    # Both sides of the boundary were reached: those denied a field did see the page.
    for page in ("child record", "return interview", "strategy meeting"):
        assert seen_by[page] >= SOCIAL_CARE | OTHERS_WHO_SEE_THE_CHILD, (page, seen_by[page])


def test_police_see_identity_philomena_photo_and_their_forces_episodes_only(world, record):
    with time_machine.travel(NOW, tick=False):
        council_episode = report(world, last_seen_at=utc(2026, 3, 29, 20))
        api = APIClient()
        api.force_authenticate(world.police_liaison)
        child = record["child"]
        assert api.get(f"/api/v1/children/{child.pk}/").status_code == 200
        assert api.get(f"/api/v1/children/{child.pk}/philomena/").status_code == 200
        ids = [row["id"] for row in api.get("/api/v1/episodes/").json()["results"]]
        page = _browser(world.police_liaison).get(reverse("casework:child_record", args=[child.pk]))
    assert council_episode.pk not in ids and len(ids) == 1
    assert reverse("episodes:detail", args=[council_episode.pk]) not in page.content.decode()
    assert reverse("episodes:detail", args=[ids[0]]) in page.content.decode()
