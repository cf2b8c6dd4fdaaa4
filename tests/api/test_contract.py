"""The API's contract: idempotent POSTs, ETags, protocol refusals, throttling, times, keys."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.models import ApiKey, IdempotencyRecord
from api.services import create_api_key, revoke_api_key
from children.models import Allocation, Child, RecordAccess
from core.actors import ENGINE
from episodes.models import Episode
from tests.api.conftest import NOW, closed_episode, etag_of, open_episode
from tests.factories import AllocationFactory, ChildFactory

REPORT = {
    "category": "missing",
    "last_seen_at": "2026-03-30T10:00:00+01:00",
    "police_reference": "NP-77",
}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    return body


# Idempotency-Key


def test_a_retry_with_the_same_key_and_body_returns_the_first_response_and_creates_nothing(
    world, scene, client_for
):
    client = client_for(world.police_liaison)
    body = {**REPORT, "child": world.child.pk}
    first = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="report-1")
    assert first.status_code == 201, first.content
    count = Episode.objects.count()
    retry = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="report-1")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["ETag"] == first["ETag"]
    assert Episode.objects.count() == count


def test_the_same_key_with_a_different_body_is_refused_with_422_and_changes_nothing(
    world, scene, client_for
):
    client = client_for(world.police_liaison)
    body = {**REPORT, "child": world.child.pk}
    assert (
        client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 201
    )
    count = Episode.objects.count()
    changed = {**body, "police_reference": "NP-78"}
    response = client.post("/api/v1/episodes/", changed, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert "different request" in _problem(response, 422)["detail"]
    assert Episode.objects.count() == count


def test_a_refusal_is_replayed_too_so_a_retry_never_changes_the_answer(
    world, open_scene, client_for
):
    client = client_for(world.police_liaison)
    body = {**REPORT, "child": world.child.pk}
    first = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="again")
    _problem(first, 409)
    retry = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="again")
    assert _problem(retry, 409) == first.json()


def test_a_retry_while_the_first_request_is_still_running_is_told_to_wait(world, scene, client_for):
    """The key row is claimed before the work starts, so a concurrent duplicate cannot run."""
    client = client_for(world.police_liaison)
    body = {**REPORT, "child": world.child.pk}
    # What the first request leaves behind while it runs: a claimed key, no response yet.
    from api.idempotency import fingerprint

    class Pending:
        method, path, data = "POST", "/api/v1/episodes/", body

    IdempotencyRecord.objects.create(
        user=world.police_liaison, key="busy", fingerprint=fingerprint(Pending)
    )
    count = Episode.objects.count()
    response = client.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert "still being processed" in _problem(response, 409)["detail"]
    assert Episode.objects.count() == count


def test_keys_belong_to_their_user(world, scene, client_for):
    body = {**REPORT, "child": world.child.pk}
    assert (
        client_for(world.police_liaison)
        .post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        .status_code
        == 201
    )
    # Another user's identical key is a different key: it is not replayed to them.
    other = client_for(world.social_worker).post(
        "/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert other.status_code == 409
    assert "Idempotent-Replayed" not in other


# ETag and If-Match


def test_retrieve_and_patch_carry_an_etag_and_a_stale_if_match_gets_412_and_changes_nothing(
    world, open_scene, client_for
):
    client = client_for(world.police_liaison)
    path = f"/api/v1/episodes/{open_scene.open.pk}/"
    read = client.get(path)
    etag = read["ETag"]
    assert etag.startswith('"')
    updated = client.patch(path, {"police_reference": "NP-100"}, format="json", HTTP_IF_MATCH=etag)
    assert updated.status_code == 200, updated.content
    assert updated["ETag"] != etag
    assert client.get(path)["ETag"] == updated["ETag"]
    stale = client.patch(path, {"police_reference": "NP-200"}, format="json", HTTP_IF_MATCH=etag)
    _problem(stale, 412)
    assert Episode.objects.get(pk=open_scene.open.pk).police_reference == "NP-100"
    fresh = client.patch(
        path, {"police_reference": "NP-200"}, format="json", HTTP_IF_MATCH=updated["ETag"]
    )
    assert fresh.status_code == 200
    assert Episode.objects.get(pk=open_scene.open.pk).police_reference == "NP-200"


# The protocol's refusals: 400 or 409 with a message that says why, and nothing changes.


def test_an_absent_twelve_year_old_is_refused_with_400_and_nothing_changes(world, client_for):
    child = ChildFactory(date_of_birth=dt.date(2013, 6, 1), responsible_authority=world.council)
    AllocationFactory(child=child, team=world.team, worker=world.social_worker)
    before = Episode.objects.count(), child.deadlines.count()
    response = client_for(world.social_worker).post(
        "/api/v1/episodes/", {**REPORT, "child": child.pk, "category": "absent"}, format="json"
    )
    body = _problem(response, 400)
    assert "always missing, never absent" in body["detail"]
    assert body["errors"]["category"] == [body["detail"]]
    assert (Episode.objects.count(), child.deadlines.count()) == before


def test_a_thirteen_year_old_may_be_absent(world, client_for):
    child = ChildFactory(date_of_birth=dt.date(2013, 3, 30), responsible_authority=world.council)
    AllocationFactory(child=child, team=world.team, worker=world.social_worker)
    response = client_for(world.social_worker).post(
        "/api/v1/episodes/", {**REPORT, "child": child.pk, "category": "absent"}, format="json"
    )
    assert response.status_code == 201, response.content
    stored = Episode.objects.get(pk=response.json()["id"])
    assert stored.category == "absent", "recorded as absent, not quietly made missing"
    assert response.json()["category"] == "absent"


def test_a_second_open_episode_is_a_409_and_nothing_changes(world, open_scene, client_for):
    before = Episode.objects.count(), world.child.deadlines.count()
    response = client_for(world.police_liaison).post(
        "/api/v1/episodes/", {**REPORT, "child": world.child.pk}, format="json"
    )
    assert "already has an open episode" in _problem(response, 409)["detail"]
    assert (Episode.objects.count(), world.child.deadlines.count()) == before


def test_a_return_before_last_seen_is_a_400_and_nothing_changes(world, open_scene, client_for):
    path = f"/api/v1/episodes/{open_scene.open.pk}/return/"
    client = client_for(world.police_liaison)
    etag = etag_of(client, path)
    # Last seen 07:00 UTC; 06:59:59 UTC is one second before.
    response = client.post(
        path, {"returned_at": "2026-03-30T07:59:59+01:00"}, format="json", HTTP_IF_MATCH=etag
    )
    body = _problem(response, 400)
    assert "before the child was last seen" in body["detail"]
    assert body["errors"] == {"returned_at": [body["detail"]]}
    assert Episode.objects.get(pk=open_scene.open.pk).returned_at is None
    at_last_seen = client.post(
        path, {"returned_at": "2026-03-30T08:00:00+01:00"}, format="json", HTTP_IF_MATCH=etag
    )
    assert at_last_seen.status_code == 200, at_last_seen.content
    assert at_last_seen.json()["status"] == "closed"


def test_a_visible_record_the_user_may_not_change_is_403(world, open_scene, client_for):
    client = client_for(world.police_liaison)
    path = f"/api/v1/episodes/{open_scene.open.pk}/reclassify/"
    response = client.post(
        path,
        {"category": "absent", "reason": "Found"},
        format="json",
        HTTP_IF_MATCH=etag_of(client, path),
    )
    assert "may not reclassify" in _problem(response, 403)["detail"]


# Times


@pytest.mark.parametrize(
    "value", ["2026-03-30T10:00:00", "2026-03-30 10:00", "2026-03-30T10:00:00.000"]
)
def test_a_naive_time_is_refused(world, scene, client_for, value):
    response = client_for(world.police_liaison).post(
        "/api/v1/episodes/",
        {**REPORT, "child": world.child.pk, "last_seen_at": value},
        format="json",
    )
    body = _problem(response, 400)
    assert "offset" in body["errors"]["last_seen_at"][0]


@pytest.mark.parametrize(
    "value", ["2026-03-30T10:00:00Z", "2026-03-30T11:00:00+01:00", "2026-03-30T05:00:00-05:00"]
)
def test_a_time_with_an_offset_is_taken(world, scene, client_for, value):
    response = client_for(world.police_liaison).post(
        "/api/v1/episodes/",
        {**REPORT, "child": world.child.pk, "last_seen_at": value},
        format="json",
    )
    assert response.status_code == 201, response.content
    # Each spelling is the same instant: 10:00 UTC, 11:00 BST on 30 March 2026.
    stored = Episode.objects.get(pk=response.json()["id"])
    assert stored.last_seen_at == dt.datetime(2026, 3, 30, 10, 0, tzinfo=dt.UTC)


def test_updated_since_needs_an_offset_too(world, scene, client_for):
    client = client_for(world.police_liaison)
    _problem(client.get("/api/v1/episodes/", {"updated_since": "2026-03-30T10:00:00"}), 400)
    assert client.get("/api/v1/episodes/", {"updated_since": "2026-03-30T11:59:59Z"}).json()[
        "results"
    ]
    assert not client.get("/api/v1/episodes/", {"updated_since": "2026-03-30T12:00:01Z"}).json()[
        "results"
    ]


# Throttling


def test_a_key_over_its_rate_gets_429_with_retry_after(world, scene, client_for, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "3/min"},
    }
    client = client_for(world.police_liaison)
    assert [client.get("/api/v1/children/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/children/")
    _problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # Per key: another key of another user is not held back.
    assert client_for(world.social_worker).get("/api/v1/children/").status_code == 200


# Keys


def test_no_key_a_wrong_key_and_a_revoked_key_are_401(world, scene):
    client = APIClient()
    _problem(client.get("/api/v1/children/"), 401)
    client.credentials(HTTP_AUTHORIZATION="Api-Key abcd.not-the-key")
    assert _problem(client.get("/api/v1/children/"), 401)["detail"] == "The API key is not valid."
    api_key, key = create_api_key(acting_user=ENGINE, user=world.police_liaison)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/children/").status_code == 200
    revoke_api_key(acting_user=ENGINE, api_key=api_key)
    assert "revoked" in _problem(client.get("/api/v1/children/"), 401)["detail"]


def test_create_api_key_prints_the_key_once_and_stores_only_its_hash(world):
    out = io.StringIO()
    call_command(
        "create_api_key", "pc_evans", "--name", "force system", stdout=out, stderr=io.StringIO()
    )
    key = out.getvalue().strip()
    api_key = ApiKey.objects.get(user=world.police_liaison)
    assert key.startswith(api_key.prefix + ".")
    assert key not in (api_key.hashed_key, api_key.prefix, api_key.name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/children/").status_code == 200
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == NOW


# Records and audit


def test_opening_a_childs_record_writes_an_access_event(world, scene, client_for):
    client_for(world.police_liaison).get(f"/api/v1/children/{world.child.pk}/")
    event = RecordAccess.objects.get(child=world.child)
    assert (event.user, event.channel, event.via) == (
        world.police_liaison,
        "api",
        f"GET /api/v1/children/{world.child.pk}/",
    )


def test_a_social_workers_new_child_is_allocated_to_their_team_with_its_legal_status(
    world, client_for
):
    response = client_for(world.social_worker).post(
        "/api/v1/children/",
        {
            "given_name": "Robin",
            "family_name": "Madeup",
            "date_of_birth": "2012-02-02",
            "legal_status": "looked_after",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["legal_status"] == "looked_after"
    assert response.json()["responsible_authority"] == world.council.pk
    allocation = Allocation.objects.get(child_id=response.json()["id"])
    assert (allocation.team, allocation.worker) == (world.team, world.social_worker)


def test_a_police_liaison_officer_may_not_create_a_child(world, client_for):
    count = Child.objects.count()
    response = client_for(world.police_liaison).post(
        "/api/v1/children/",
        {"given_name": "Robin", "family_name": "Madeup", "date_of_birth": "2012-02-02"},
        format="json",
    )
    assert "council" in _problem(response, 403)["detail"]
    assert Child.objects.count() == count


# Lists: constant queries, whatever the page size


def _queries(client, path: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/children/",
        "/api/v1/episodes/",
        "/api/v1/risk-assessments/",
        "/api/v1/return-interviews/",
        "/api/v1/strategy-meetings/",
        "/api/v1/deadlines/",
    ],
)
def test_each_list_runs_the_same_number_of_queries_for_2_rows_and_for_20(world, client_for, path):
    from panels.services import record_strategy_meeting
    from returns.services import record_return_interview
    from risk.services import record_risk_assessment

    for number in range(12):
        child = ChildFactory(responsible_authority=world.council, given_name=f"Kim{number}")
        AllocationFactory(child=child, team=world.team, worker=world.social_worker)
        world.child = child
        closed = closed_episode(world)
        open_episode(world)
        record_risk_assessment(
            acting_user=world.social_worker,
            child=child,
            rag="green",
            threshold_level=2,
            episode=closed,
        )
        record_return_interview(
            acting_user=world.social_worker,
            child=child,
            episodes=[closed],
            offered_at=NOW - dt.timedelta(days=1),
        )
        record_strategy_meeting(
            acting_user=world.social_worker,
            child=child,
            held_at=NOW - dt.timedelta(hours=1),
            attendees=[{"agency": world.force, "name": "PC Tester"}],
        )
    client = client_for(world.missing_coordinator)
    client.get(path)  # the key's last_used_at is written on first use
    small, small_rows = _queries(client, path, 2)
    large, large_rows = _queries(client, path, 20)
    assert (small_rows, large_rows) == (2, 20) or (small_rows == 2 and large_rows >= 12)
    assert small == large, (
        f"{path}: {small} queries for {small_rows} rows, {large} for {large_rows}"
    )


def test_the_admin_lists_keys_by_prefix_and_revokes_them(world, client_for):
    from django.test import Client

    from tests.factories import UserFactory

    api_key, key = create_api_key(
        acting_user=ENGINE, user=world.police_liaison, name="force system"
    )
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin_user)
    listing = browser.get("/admin/api/apikey/")
    assert listing.status_code == 200
    assert api_key.prefix in listing.content.decode()
    assert key not in listing.content.decode()
    response = browser.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == NOW
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/children/").status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/episodes/{episode}/"),
        ("delete", "/api/v1/episodes/{episode}/"),
        ("put", "/api/v1/children/{child}/"),
        ("delete", "/api/v1/children/{child}/"),
        ("post", "/api/v1/deadlines/"),
        ("get", "/api/v1/episodes/{episode}/return/"),
    ],
)
def test_methods_the_api_does_not_offer_are_405_and_change_nothing(
    world, scene, client_for, method, path
):
    path = path.format(episode=scene.closed.pk, child=world.child.pk)
    before = Episode.objects.count(), Child.objects.count()
    response = getattr(client_for(world.missing_coordinator), method)(path, {}, format="json")
    _problem(response, 405)
    assert (Episode.objects.count(), Child.objects.count()) == before
    _problem(getattr(APIClient(), method)(path, {}, format="json"), 401)


def test_unknown_paths_under_v1_are_problem_json_404s(world, client_for):
    _problem(client_for(world.social_worker).get("/api/v1/nonsense/"), 404)
    _problem(client_for(world.social_worker).get("/api/v1/episodes/-1/"), 404)


def test_a_naive_time_in_a_patch_or_an_action_is_refused_and_changes_nothing(
    world, open_scene, client_for
):
    client = client_for(world.social_worker)
    path = f"/api/v1/episodes/{open_scene.open.pk}/"
    etag = etag_of(client, path)
    naive = {"last_seen_at": "2026-03-30T06:00:00"}
    _problem(client.patch(path, naive, format="json", HTTP_IF_MATCH=etag), 400)
    naive_return = {"returned_at": "2026-03-30T11:00:00"}
    _problem(client.post(path + "return/", naive_return, format="json", HTTP_IF_MATCH=etag), 400)
    episode = Episode.objects.get(pk=open_scene.open.pk)
    assert (episode.last_seen_at, episode.returned_at) == (open_scene.open.last_seen_at, None)


def test_a_body_that_is_not_json_is_415_and_broken_json_is_400(world, scene, client_for):
    client = client_for(world.police_liaison)
    _problem(client.post("/api/v1/episodes/", "child=1", content_type="text/plain"), 415)
    _problem(client.post("/api/v1/episodes/", '{"child": ', content_type="application/json"), 400)


def test_idempotency_records_older_than_a_week_are_purged_and_newer_ones_kept(world):
    for key, age in (("old", dt.timedelta(days=7, seconds=1)), ("new", dt.timedelta(days=7))):
        with time_machine.travel(NOW - age, tick=False):
            IdempotencyRecord.objects.create(user=world.police_liaison, key=key, fingerprint="f")
    out = io.StringIO()
    call_command("purge_idempotency_records", stdout=out)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert "Deleted 1" in out.getvalue()


def test_the_schema_and_the_interactive_docs_are_served(db):
    client = APIClient()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/episodes/{id}/return/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_a_team_managers_new_child_is_allocated_to_their_team_without_a_named_worker(
    world, client_for
):
    response = client_for(world.team_manager).post(
        "/api/v1/children/",
        {"given_name": "Ash", "family_name": "Madeup", "date_of_birth": "2011-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    allocation = Allocation.objects.get(child_id=response.json()["id"])
    assert (allocation.team, allocation.worker) == (world.team, None)


def test_a_missing_coordinator_creates_children_of_their_own_authority_only(world, client_for):
    client = client_for(world.missing_coordinator)
    body = {"given_name": "Ash", "family_name": "Madeup", "date_of_birth": "2011-01-01"}
    count = Child.objects.count()
    other = client.post(
        "/api/v1/children/",
        {**body, "responsible_authority": world.other_council.pk},
        format="json",
    )
    assert _problem(other, 400)["errors"] == {"responsible_authority": [other.json()["detail"]]}
    assert Child.objects.count() == count
    own = client.post("/api/v1/children/", body, format="json")
    assert own.status_code == 201, own.content
    assert own.json()["responsible_authority"] == world.council.pk
    # Not allocated, yet visible to them: the co-ordinator sees every child of the authority.
    assert not Allocation.objects.filter(child_id=own.json()["id"]).exists()
    assert client.get(f"/api/v1/children/{own.json()['id']}/").status_code == 200


def test_cursor_pages_cover_every_visible_record_once_in_either_order(world, client_for):
    ids = []
    for number in range(5):
        child = ChildFactory(responsible_authority=world.council, given_name=f"Lee{number}")
        ids.append(child.pk)
    client = client_for(world.missing_coordinator)
    for ordering, expected in (("-id", sorted(ids, reverse=True)), ("id", sorted(ids))):
        seen, url = [], f"/api/v1/children/?page_size=2&ordering={ordering}"
        while url:
            page = client.get(url).json()
            seen += [child["id"] for child in page["results"]]
            url = page["next"]
        assert [pk for pk in seen if pk in ids] == expected
        assert len(seen) == len(set(seen))


def test_the_nightly_task_purges_idempotency_records_older_than_a_week(world):
    from api.tasks import purge_old_idempotency_records

    for key, age in (("old", dt.timedelta(days=7, seconds=1)), ("new", dt.timedelta(days=7))):
        with time_machine.travel(NOW - age, tick=False):
            IdempotencyRecord.objects.create(user=world.police_liaison, key=key, fingerprint="f")
    with time_machine.travel(NOW, tick=False):
        assert purge_old_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
