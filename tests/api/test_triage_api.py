"""The API of issue 12's protocol fidelity: MASH triage then the risk assessment (with
If-Match on corrections), the return's HERTS facts and reason, structured strategy items."""

from __future__ import annotations

import datetime as dt

from casework.services import report_episode
from panels.models import StrategyItem, StrategyMeeting
from protocol.models import Deadline
from risk.models import MashTriage, RiskAssessment
from tests.api.conftest import NOW, etag_of

HOUR = dt.timedelta(hours=1)


def _episode(world, **fields):
    return report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - 3 * HOUR,
        reported_at=NOW - 2 * HOUR,
        **fields,
    )


def test_mash_triages_through_the_api_and_corrects_with_if_match(world, client_for):
    episode = _episode(world, police_risk="medium")
    mash = client_for(world.mash_triage)
    referrals = mash.get("/api/v1/mash-referrals/", {"status": "open"}).json()["results"]
    assert [(r["episode"], r["police_risk"], r["triage"]) for r in referrals] == [
        (episode.pk, "medium", None)
    ]
    response = mash.post(
        "/api/v1/mash-triages/",
        {
            "referral": referrals[0]["id"],
            "rag": "red",
            "threshold_level": 3,
            "reason": "Seen with older males.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rag"], body["police_risk_seen"], body["episode"]) == ("red", "medium", episode.pk)
    due = Deadline.objects.get(episode=episode, rule="risk_assessment").due_at
    assert due == NOW - 2 * HOUR + 4 * HOUR
    url = f"/api/v1/mash-triages/{body['id']}/"
    etag = mash.get(url)["ETag"]
    stale = mash.patch(
        url, {"rag": "green", "threshold_level": 3}, format="json", HTTP_IF_MATCH='"stale"'
    )
    assert stale.status_code == 412
    assert MashTriage.objects.get().rag == "red", "a stale correction changes nothing"
    fresh = mash.patch(
        url, {"rag": "amber", "threshold_level": 3}, format="json", HTTP_IF_MATCH=etag
    )
    assert fresh.status_code == 200, fresh.json()
    due = Deadline.objects.get(episode=episode, rule="risk_assessment").due_at
    assert due == NOW - 2 * HOUR + 24 * HOUR, "the clock follows the corrected rating"


def test_a_social_worker_cannot_triage_through_the_api_and_nothing_changes(world, client_for):
    _episode(world)
    worker = client_for(world.social_worker)
    referral = worker.get("/api/v1/mash-referrals/").json()["results"][0]
    response = worker.post(
        "/api/v1/mash-triages/",
        {"referral": referral["id"], "rag": "green", "threshold_level": 1},
        format="json",
    )
    assert response.status_code == 403
    assert not MashTriage.objects.exists()


def test_a_red_triage_without_a_reason_is_refused_with_the_field(world, client_for):
    _episode(world)
    mash = client_for(world.mash_triage)
    referral = mash.get("/api/v1/mash-referrals/").json()["results"][0]
    response = mash.post(
        "/api/v1/mash-triages/",
        {"referral": referral["id"], "rag": "red", "threshold_level": 3},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in str(response.json())
    assert not MashTriage.objects.exists()


def test_the_assessment_is_recorded_back_dated_and_amended_with_if_match(world, client_for):
    episode = _episode(world)
    mash = client_for(world.mash_triage)
    referral = mash.get("/api/v1/mash-referrals/").json()["results"][0]
    mash.post(
        "/api/v1/mash-triages/",
        {"referral": referral["id"], "rag": "amber", "threshold_level": 2},
        format="json",
    )
    response = mash.post(
        "/api/v1/risk-assessments/",
        {
            "child": world.child.pk,
            "episode": episode.pk,
            "rag": "amber",
            "threshold_level": 2,
            "rationale": "Partner checks done.",
            "plan": "Daily contact.",
            "assessed_at": (NOW - HOUR).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["referral"] == referral["id"]
    ledger = Deadline.objects.get(episode=episode, rule="risk_assessment")
    assert (ledger.status, ledger.met_at) == ("met", NOW - HOUR)
    url = f"/api/v1/risk-assessments/{response.json()['id']}/"
    etag = mash.get(url)["ETag"]
    amended = mash.patch(
        url,
        {"rag": "amber", "threshold_level": 2, "plan": "Twice-daily contact."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert amended.status_code == 200, amended.json()
    assert RiskAssessment.objects.get().plan == "Twice-daily contact."


def test_the_return_records_the_herts_facts_and_the_reason(world, client_for):
    episode = _episode(world)
    worker = client_for(world.social_worker)
    path = f"/api/v1/episodes/{episode.pk}/"
    response = worker.post(
        f"{path}return/",
        {
            "returned_at": (NOW - HOUR).isoformat(),
            "how_found": "found_by_police",
            "how_found_details": "At the car wash on the ring road.",
            "found_with": "Two older males.",
            "reason": "cce_county_lines",
            "return_concerns": ["criminal_activity", "contact_with_risky_persons"],
        },
        HTTP_IF_MATCH=etag_of(worker, path),
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reason"] == "cce_county_lines"
    assert body["return_concerns"] == ["contact_with_risky_persons", "criminal_activity"]
    assert body["found_with"] == "Two older males."


def test_an_unknown_return_fact_is_refused_and_nothing_changes(world, client_for):
    episode = _episode(world)
    worker = client_for(world.social_worker)
    path = f"/api/v1/episodes/{episode.pk}/"
    response = worker.post(
        f"{path}return/",
        {"returned_at": (NOW - HOUR).isoformat(), "return_concerns": ["bored"]},
        HTTP_IF_MATCH=etag_of(worker, path),
        format="json",
    )
    assert response.status_code == 400
    episode.refresh_from_db()
    assert episode.returned_at is None


def test_a_strategy_meeting_records_items_a_parent_and_whether_the_concern_is_resolved(
    world, client_for
):
    episode = _episode(world)
    response = client_for(world.team_manager).post(
        "/api/v1/strategy-meetings/",
        {
            "child": world.child.pk,
            "episode": episode.pk,
            "held_at": (NOW - HOUR).isoformat(),
            "attendees": [
                {"name": "Pat Fictional", "role": "Mother"},
                {"name": "PC Evans", "agency": world.force.pk, "role": "Missing persons"},
            ],
            "items": [
                {
                    "kind": "missing_persons_desk",
                    "decision": "Alert the desk today.",
                    "owner_name": "PC Evans",
                    "due_on": str(NOW.date()),
                    "parental_consent": "given",
                },
                {
                    "kind": "media_strategy",
                    "decision": "Local appeal only.",
                    "photo_publication_consent": True,
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    meeting = StrategyMeeting.objects.get()
    assert [a.agency for a in meeting.attendees.order_by("name")] == [world.force, None]
    kinds = dict(StrategyItem.objects.values_list("kind", "parental_consent"))
    assert kinds == {"missing_persons_desk": "given", "media_strategy": ""}
    assert StrategyItem.objects.get(kind="media_strategy").photo_publication_consent is True


def test_the_desk_alert_without_parental_consent_for_a_child_not_looked_after_is_refused(
    world, client_for
):
    response = client_for(world.team_manager).post(
        "/api/v1/strategy-meetings/",
        {
            "child": world.child.pk,
            "held_at": (NOW - HOUR).isoformat(),
            "items": [
                {
                    "kind": "missing_persons_desk",
                    "decision": "Alert the desk.",
                    "owner_name": "PC Evans",
                    "due_on": str(NOW.date()),
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "parental_consent" in str(response.json())
    assert not StrategyMeeting.objects.exists(), "the meeting and its items stand or fall together"
