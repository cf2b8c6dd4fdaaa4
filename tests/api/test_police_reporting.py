"""POST /api/v1/episodes/ with `child_details`: a force reports a child it has never reported.

pc_evans (world.force) names the child and the responsible authority instead of an id;
the child is matched or created, the episode names his force and awaits the council's
MASH confirming the child; until then his key sees the episode alone, after it the child;
pc_frost's (another force) sees neither.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from children.models import Child
from episodes.models import Episode
from risk.models import MashReferral
from tests.factories import ChildFactory

EPISODES = "/api/v1/episodes/"
PROBLEM = "application/problem+json"


def body(world, **details) -> dict:
    return {
        "child_details": {
            "given_name": "Robin",
            "family_name": "Testperson",
            "date_of_birth": "2012-02-14",
            "responsible_authority": world.council.pk,
        }
        | details,
        "category": "missing",
        "last_seen_at": "2026-03-30T09:00:00+01:00",
        "police_reference": "NP-2026-0001",
        "police_risk": "medium",
    }


def counts() -> tuple[int, int, int]:
    return Child.objects.count(), Episode.objects.count(), MashReferral.objects.count()


def confirm(world, client_for, episode_id: int) -> int:
    """The MASH confirms the match on the episode's page."""
    from django.test import Client
    from django.urls import reverse

    mash = Client()
    mash.force_login(world.mash_triage)
    return mash.post(reverse("casework:confirm_match", args=[episode_id])).status_code


def test_a_child_new_to_the_council_is_created_and_seen_by_its_force_once_mash_confirms(
    world, client_for
):
    evans, frost = client_for(world.police_liaison), client_for(world.other_police_liaison)
    before = counts()

    response = evans.post(EPISODES, body(world), format="json")

    assert response.status_code == 201, response.json()
    assert response.has_header("ETag")
    episode = response.json()
    assert (episode["child"], episode["missing_from"]) == (None, None), "what it sent only"
    row = Episode.objects.select_related("child").get(pk=episode["id"])
    child = row.child
    assert row.awaiting_match
    assert (child.given_name, child.family_name, str(child.date_of_birth)) == (
        "Robin",
        "Testperson",
        "2012-02-14",
    )
    assert (episode["status"], episode["police_reference"]) == ("open", "NP-2026-0001")
    assert counts() == tuple(n + 1 for n in before), "one child, one episode, one MASH referral"
    assert evans.get(f"{EPISODES}{episode['id']}/").status_code == 200
    assert evans.get(f"/api/v1/children/{child.pk}/").status_code == 404, "until MASH confirms"
    assert frost.get(f"/api/v1/children/{child.pk}/").status_code == 404
    assert frost.get(f"{EPISODES}{episode['id']}/").status_code == 404

    assert confirm(world, client_for, episode["id"]) == 302

    assert evans.get(f"/api/v1/children/{child.pk}/").status_code == 200
    assert evans.get(f"{EPISODES}{episode['id']}/").json()["child"] == child.pk
    assert frost.get(f"/api/v1/children/{child.pk}/").status_code == 404
    assert child.pk not in [row["id"] for row in frost.get("/api/v1/children/").json()["results"]]


def test_a_child_on_record_is_matched_despite_case_and_accents_but_not_opened(world, client_for):
    zoe = ChildFactory(
        given_name="Zoë",
        family_name="Ångström",
        date_of_birth="2012-02-14",
        responsible_authority=world.council,
    )
    evans = client_for(world.police_liaison)
    assert evans.get(f"/api/v1/children/{zoe.pk}/").status_code == 404, "not yet his force's"
    children_before = Child.objects.count()

    response = evans.post(
        EPISODES, body(world, given_name="zoe", family_name="ANGSTROM"), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["child"] is None
    assert Episode.objects.get(pk=response.json()["id"]).child_id == zoe.pk
    assert Child.objects.count() == children_before, "no duplicate child"
    assert "Zoë" not in response.content.decode()
    assert evans.get(f"/api/v1/children/{zoe.pk}/").status_code == 404
    assert evans.get(f"{EPISODES}?child={zoe.pk}").json()["results"] == [], "no id oracle"

    assert confirm(world, client_for, response.json()["id"]) == 302
    assert evans.get(f"/api/v1/children/{zoe.pk}/").status_code == 200


def test_an_ambiguous_match_is_reported_on_a_new_record_and_says_nothing(world, client_for):
    ChildFactory(
        given_name="Robyn",
        family_name="Testperson",
        date_of_birth="2012-02-14",
        responsible_authority=world.council,
    )
    before = counts()

    response = client_for(world.police_liaison).post(EPISODES, body(world), format="json")

    assert response.status_code == 201
    assert "Robyn" not in response.content.decode()
    assert response.json()["child"] is None
    assert counts() == tuple(n + 1 for n in before), "a new record for the MASH to match"


@pytest.mark.parametrize("persona", ["social_worker", "mash_triage", "outsider"])
def test_anyone_but_a_police_liaison_officer_gets_403_for_child_details(world, client_for, persona):
    before = counts()

    response = client_for(getattr(world, persona)).post(EPISODES, body(world), format="json")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/not_allowed")
    assert counts() == before


def test_anonymous_gets_401_for_child_details(world, client_for):
    response = client_for(world.anonymous).post(EPISODES, body(world), format="json")

    assert response.status_code == 401


def test_absent_for_a_twelve_year_old_is_400_and_creates_no_child(world, client_for):
    # Last seen 30 March 2026: born 31 March 2013, the child is 12.
    request = body(world, date_of_birth="2013-03-31") | {"category": "absent"}
    before = counts()

    response = client_for(world.police_liaison).post(EPISODES, request, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/absent_under_13")
    assert counts() == before, "no child and no episode"


def test_absent_for_a_child_thirteen_that_day_is_reported(world, client_for):
    request = body(world, date_of_birth="2013-03-30") | {"category": "absent"}

    response = client_for(world.police_liaison).post(EPISODES, request, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["category"] == "absent"


@pytest.mark.parametrize("which", ["both", "neither"])
def test_exactly_one_of_child_and_child_details_or_400(world, scene, client_for, which):
    """`scene`: pc_evans' force reported world.child before, so its id is valid for him."""
    request = body(world)
    if which == "both":
        request["child"] = world.child.pk
    else:
        del request["child_details"]
    before = counts()

    response = client_for(world.police_liaison).post(EPISODES, request, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "exactly one of child" in response.json()["errors"]["child"][0]
    assert counts() == before


def test_the_responsible_authority_must_be_a_local_authority(world, client_for):
    request = body(world, responsible_authority=world.force.pk)

    response = client_for(world.police_liaison).post(EPISODES, request, format="json")

    assert response.status_code == 400
    assert "No local authority with id" in response.content.decode()


def test_a_retried_child_details_report_creates_one_child_and_one_episode(world, client_for):
    evans = client_for(world.police_liaison)
    before = counts()

    first = evans.post(EPISODES, body(world), format="json", HTTP_IDEMPOTENCY_KEY="report-1")
    retry = evans.post(EPISODES, body(world), format="json", HTTP_IDEMPOTENCY_KEY="report-1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert counts() == tuple(n + 1 for n in before)


@pytest.mark.django_db(transaction=True)
def test_two_forces_reporting_one_new_child_at_once_create_one_child(world, client_for):
    """The identity lock: the second report waits and finds the first's child. It does not
    learn that the child is missing (no 409): its report awaits the council's match on a
    record of its own, which the MASH resolves."""
    clients = [client_for(world.police_liaison), client_for(world.other_police_liaison)]
    start = threading.Barrier(2)
    responses = []

    def post(client):
        try:
            start.wait()
            responses.append(client.post(EPISODES, body(world), format="json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(response.status_code for response in responses) == [201, 201]
    assert [response.json()["child"] for response in responses] == [None, None]
    assert Child.objects.filter(family_name="Testperson").count() == 2
    assert Episode.objects.filter(child__family_name="Testperson", awaiting_match=True).count() == 2
