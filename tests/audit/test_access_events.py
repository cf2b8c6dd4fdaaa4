"""Every read of case data writes an access event (issue 14, decision 0016).

Pages (the child's record, an episode, a return interview, a strategy meeting, a panel,
"Find a child"), API lists (naming the ids they returned) and API retrieves: for every
persona, a page or endpoint that showed a child's record writes one RecordAccess row per
child shown, naming what of it was shown; one that showed nothing (404, sign-in) writes
none. All of a request's events go to the database in one INSERT.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from children.models import Child, RecordAccess
from episodes.services import record_return
from panels.services import add_panel_case, record_strategy_meeting, schedule_panel_meeting
from returns.services import record_return_interview
from tests.kit import report, utc

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
        )
        meeting = record_strategy_meeting(
            acting_user=world.social_worker,
            child=world.child,
            episode=episode,
            held_at=utc(2026, 3, 28, 11, 30),
        )
        panel = schedule_panel_meeting(
            acting_user=world.missing_coordinator,
            authority=world.council,
            meets_at=utc(2026, 3, 28, 11),
        )
        add_panel_case(
            acting_user=world.missing_coordinator,
            meeting=panel,
            child=world.child,
            reason="Three episodes in 90 days",
        )
    # A name no page prints but for this child (the search's hint says "Jamie Fictional").
    Child.objects.filter(pk=world.child.pk).update(given_name="Quillon")
    world.child.refresh_from_db()
    RecordAccess.objects.all().delete()
    return {"episode": episode, "interview": interview, "meeting": meeting, "panel": panel}


def pages(world, record) -> dict[str, tuple[str, str]]:
    """page -> (url, the record it shows of world.child)."""
    return {
        "child record": (
            reverse("casework:child_record", args=[world.child.pk]),
            f"child:{world.child.pk}",
        ),
        "episode": (
            reverse("episodes:detail", args=[record["episode"].pk]),
            f"episode:{record['episode'].pk}",
        ),
        "return interview": (
            reverse("returns:interview", args=[record["interview"].pk]),
            f"returninterview:{record['interview'].pk}",
        ),
        "strategy meeting": (
            reverse("panels:meeting", args=[record["meeting"].pk]),
            f"strategymeeting:{record['meeting'].pk}",
        ),
        "panel": (reverse("panels:panel", args=[record["panel"].pk]), "panelcase:"),
        "search": (reverse("children:index") + "?q=Fictional", f"child:{world.child.pk}"),
        "philomena sheet": (
            reverse("children:philomena_sheet", args=[world.child.pk]),
            f"child:{world.child.pk}",
        ),
    }


def _browser(user) -> Client:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def _shows_child(response, world) -> bool:
    return response.status_code == 200 and world.child.given_name in response.content.decode()


def test_every_page_that_shows_a_childs_record_writes_one_access_event_per_persona(world, record):
    cells = logged = 0
    for name, user in world.personas().items():
        browser = _browser(user)
        for page, (url, shown_record) in pages(world, record).items():
            RecordAccess.objects.all().delete()
            with time_machine.travel(NOW, tick=False):
                response = browser.get(url)
            events = list(RecordAccess.objects.filter(child=world.child))
            cells += 1
            if _shows_child(response, world):
                logged += 1
                assert len(events) == 1, (name, page, events)
                event = events[0]
                assert (event.user, event.via, event.channel, event.accessed_at) == (
                    user,
                    f"GET {url.split('?')[0]}",
                    "web",
                    NOW,
                ), (name, page)
                assert any(r.startswith(shown_record) for r in event.records), (
                    name,
                    page,
                    event.records,
                )
            else:
                assert events == [], (name, page, response.status_code)
    print(f"access events: {cells} persona x page cells, {logged} showed the child and logged")
    # Both sides were reached: some personas saw each page, some did not.
    assert 0 < logged < cells


def test_the_search_logs_every_child_it_listed_and_none_it_did_not(world, record, client):
    from tests.factories import ChildFactory

    also = ChildFactory(
        given_name="Robin", family_name="Fictional", responsible_authority=world.council
    )
    elsewhere = ChildFactory(given_name="Kim", family_name="Otherwise")
    client.force_login(world.missing_coordinator)
    response = client.get(reverse("children:index"), {"q": "Fictional"})
    assert response.status_code == 200
    assert {event.child_id for event in RecordAccess.objects.all()} == {world.child.pk, also.pk}
    assert not RecordAccess.objects.filter(child=elsewhere).exists()


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("/api/v1/children/", "child"),
        ("/api/v1/episodes/", "episode"),
        ("/api/v1/return-interviews/", "returninterview"),
        ("/api/v1/strategy-meetings/", "strategymeeting"),
        ("/api/v1/deadlines/", "deadline"),
        ("/api/v1/legal-statuses/", "legalstatus"),
        ("/api/v1/allocations/", "allocation"),
    ],
)
def test_an_api_list_logs_the_ids_it_returned_for_every_persona(world, record, endpoint, kind):
    for name, user in world.personas().items():
        if not user.is_authenticated:
            assert APIClient().get(endpoint).status_code in (401, 403)
            continue
        RecordAccess.objects.all().delete()
        response = _api(user).get(endpoint)
        assert response.status_code == 200, (name, endpoint)
        returned = {f"{kind}:{item['id']}" for item in response.json()["results"] if "id" in item}
        events = list(RecordAccess.objects.filter(user=user))
        logged = {r for event in events for r in event.records}
        assert logged == returned, (name, endpoint)
        for event in events:
            assert (event.channel, event.via) == ("api", f"GET {endpoint}")
        if returned:
            assert {event.child_id for event in events} == {world.child.pk}, (name, endpoint)


def test_an_api_retrieve_logs_the_record_it_returned(world, record):
    episode = record["episode"]
    for name, user in world.personas().items():
        if not user.is_authenticated:
            continue
        RecordAccess.objects.all().delete()
        response = _api(user).get(f"/api/v1/episodes/{episode.pk}/")
        events = list(RecordAccess.objects.all())
        if response.status_code == 200:
            assert [(e.user, e.child_id, e.records) for e in events] == [
                (user, world.child.pk, [f"episode:{episode.pk}"])
            ], name
        else:
            assert response.status_code == 404, name
            assert events == [], name


def test_a_request_writes_its_access_events_in_one_insert(world, record):
    """However many records a list returns: one INSERT into the access log."""
    for day in (4, 5, 6):
        episode = report(
            world, last_seen_at=utc(2026, 4, day, 20), reported_at=utc(2026, 4, day, 21)
        )
        record_return(
            acting_user=world.social_worker, episode=episode, returned_at=utc(2026, 4, day, 22)
        )
    api = _api(world.missing_coordinator)
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/api/v1/episodes/")
    assert len(response.json()["results"]) >= 4
    inserts = [q["sql"] for q in captured if 'INSERT INTO "children_recordaccess"' in q["sql"]]
    assert len(inserts) == 1
    (event,) = RecordAccess.objects.all()
    assert len(event.records) == len(response.json()["results"])


def test_a_read_outside_a_request_writes_nothing(world, record):
    """Selectors called by a task or a command collect nothing (exports keep their own
    record): no request, no access event."""
    from children.selectors import get_visible_child

    assert get_visible_child(world.social_worker, world.child.pk) == world.child
    assert not RecordAccess.objects.exists()


@pytest.fixture
def referred(world):
    """Issue 12 and the triage merge's records of world.child, missing now at high risk:
    a MASH referral, its triage and assessment, a panel referral, a child missing with
    them, a place in the episode, and so an alert."""
    from django.utils import timezone

    from contextual.services import link_episode_place, record_missing_with, record_place
    from panels.services import refer_to_panel
    from risk.services import record_mash_triage, record_risk_assessment
    from tests.factories import ChildFactory

    now = timezone.now()
    episode = report(
        world,
        last_seen_at=now - dt.timedelta(hours=2),
        reported_at=now - dt.timedelta(hours=1),
        police_force=world.force,
        police_risk="high",
    )
    referral = episode.mash_referrals.get()
    record_mash_triage(
        acting_user=world.mash_triage,
        referral=referral,
        rag="red",
        threshold_level=3,
        reason="Police grade high.",
    )
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        referral=referral,
        rag="red",
        threshold_level=3,
        rationale="Found before with older men.",
    )
    refer_to_panel(
        acting_user=world.social_worker,
        child=world.child,
        panel_kind="exploitation",
        reason="Three episodes in 90 days.",
    )
    other = ChildFactory(responsible_authority=world.council)
    record_missing_with(
        acting_user=world.missing_coordinator,
        episode=episode,
        other_child_id=other.pk,
        certainty="believed",
    )
    place = record_place(
        acting_user=world.missing_coordinator,
        authority=world.council,
        name="Lordship Rec",
        kind="park",
    )
    link_episode_place(
        acting_user=world.missing_coordinator, episode=episode, place=place, role="last_seen"
    )
    RecordAccess.objects.all().delete()
    return episode


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("/api/v1/mash-referrals/", "mashreferral"),
        ("/api/v1/mash-triages/", "mashtriage"),
        ("/api/v1/risk-assessments/", "riskassessment"),
        ("/api/v1/panel-referrals/", "panelreferral"),
        ("/api/v1/missing-with/", "missingwith"),
        ("/api/v1/episode-places/", "episodeplace"),
        ("/api/v1/alerts/", "episode"),  # an alert is the open episode: its id
    ],
)
def test_the_latest_api_lists_log_exactly_the_ids_they_returned(world, referred, endpoint, kind):
    saw = 0
    for name, user in world.personas().items():
        if not user.is_authenticated:
            continue
        RecordAccess.objects.all().delete()
        response = _api(user).get(endpoint)
        assert response.status_code == 200, (name, endpoint)
        returned = {f"{kind}:{item['id']}" for item in response.json()["results"]}
        events = list(RecordAccess.objects.filter(user=user))
        logged = {r for event in events for r in event.records}
        assert logged == returned, (name, endpoint)
        assert len(events) == (1 if returned else 0), (name, endpoint)
        if returned:
            saw += 1
            assert events[0].child_id == world.child.pk, (name, endpoint)
            assert (events[0].channel, events[0].via) == ("api", f"GET {endpoint}")
    assert saw, f"some persona sees {endpoint}'s records"
