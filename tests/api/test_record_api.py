"""/api/v1/ for the child's record kept true: identity, Philomena Part 1, legal statuses,
placements, allocations and access grants, each through its service, with the same
access answers as the pages (404 for a child you may not see, 403 for a change you may
not make)."""

from __future__ import annotations

import datetime as dt

from children.models import Child, ChildAccessGrant, LegalStatus, Placement
from protocol.models import Deadline
from tests.api.conftest import NOW, etag_of
from tests.factories import ChildFactory, UserFactory


def test_patch_corrects_identity_and_answers_the_new_representation(world, client_for):
    client = client_for(world.social_worker)
    etag = client.get(f"/api/v1/children/{world.child.pk}/")["ETag"]
    response = client.patch(
        f"/api/v1/children/{world.child.pk}/",
        {"local_child_id": "NW-9", "ethnicity": "AIND", "upn": "R801200101001"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["local_child_id"], body["ethnicity"], body["upn"]) == (
        "NW-9",
        "AIND",
        "R801200101001",
    )
    stale = client.patch(
        f"/api/v1/children/{world.child.pk}/",
        {"school": "Elsewhere"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert Child.objects.get(pk=world.child.pk).school == ""


def test_patch_identity_refuses_police_a_duplicate_id_and_a_bad_upn(world, client_for):
    sibling = ChildFactory(responsible_authority=world.council, local_child_id="NW-1")
    assert sibling.pk
    client = client_for(world.social_worker)
    url = f"/api/v1/children/{world.child.pk}/"
    etag = etag_of(client, url)
    for body, status in (
        ({"local_child_id": "NW-1"}, 409),
        ({"upn": "A801200101001"}, 400),
        ({"ethnicity": "ZZZZ"}, 400),
    ):
        assert client.patch(url, body, format="json", HTTP_IF_MATCH=etag).status_code == status
    other = client_for(world.other_social_worker)
    assert other.patch(url, {"school": "x"}, HTTP_IF_MATCH=etag).status_code == 404
    assert Child.objects.get(pk=world.child.pk).local_child_id == ""


def test_the_philomena_profile_is_read_and_kept(world, client_for):
    client = client_for(world.social_worker)
    url = f"/api/v1/children/{world.child.pk}/philomena/"
    etag = etag_of(client, url)
    response = client.patch(
        url, {"places_frequented": "Bus station"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert client.get(url).json()["places_frequented"] == "Bus station"
    stale = client.patch(url, {"places_frequented": "Park"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412, "the profile changed since that read"
    return_officer = client_for(world.return_officer)
    assert return_officer.patch(url, {"description": "x"}, HTTP_IF_MATCH="*").status_code == 404


def test_a_back_dated_looked_after_status_by_api_opens_the_escalation(world, client_for):
    client = client_for(world.social_worker)
    client.post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "category": "missing",
            "last_seen_at": (NOW - dt.timedelta(hours=30)).isoformat(),
        },
        format="json",
    )
    assert not Deadline.objects.filter(child=world.child, rule="manager_escalation").exists()
    response = client.post(
        "/api/v1/legal-statuses/",
        {"child": world.child.pk, "status": "looked_after", "start_date": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Deadline.objects.filter(child=world.child, rule="manager_escalation").exists()
    period = response.json()["id"]
    assert response["ETag"] == etag_of(client, f"/api/v1/legal-statuses/{period}/")
    corrected = client.patch(
        f"/api/v1/legal-statuses/{period}/",
        {"start_date": "2026-01-02"},
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert corrected.status_code == 200 and corrected.json()["start_date"] == "2026-01-02"
    ended = client.post(
        f"/api/v1/legal-statuses/{period}/end/",
        {"end_date": "2026-03-29"},
        format="json",
        HTTP_IF_MATCH=corrected["ETag"],
    )
    assert ended.status_code == 200 and ended.json()["end_date"] == "2026-03-29"
    listed = client.get(f"/api/v1/legal-statuses/?child={world.child.pk}").json()["results"]
    assert [row["id"] for row in listed] == [period]


def test_legal_status_writes_are_refused_to_police(world, client_for):
    response = client_for(world.police_liaison).post(
        "/api/v1/legal-statuses/",
        {"child": world.child.pk, "status": "looked_after", "start_date": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400, "a child the key may not see reads as unknown"
    assert not LegalStatus.objects.exists()


def test_placements_are_started_corrected_and_ended(world, client_for):
    client = client_for(world.social_worker)
    response = client.post(
        "/api/v1/placements/",
        {
            "child": world.child.pk,
            "kind": "residential",
            "provider": "Example Care Ltd",
            "postcode": "n22 8hq",
            "placing_authority": world.council.pk,
            "host_authority": world.other_council.pk,
            "start_date": "2026-01-10",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["postcode"] == "N22 8HQ"
    placement = response.json()["id"]
    etag = response["ETag"]
    bad = client.patch(
        f"/api/v1/placements/{placement}/", {"postcode": "nope"}, format="json", HTTP_IF_MATCH=etag
    )
    assert bad.status_code == 400
    ended = client.post(
        f"/api/v1/placements/{placement}/end/",
        {"end_date": "2026-03-01"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert ended.status_code == 200
    assert Placement.objects.get(pk=placement).end_date == dt.date(2026, 3, 1)


def test_allocations_by_a_manager_and_not_by_a_social_worker(world, client_for):
    current = world.child.allocations.get()
    response = client_for(world.social_worker).post(
        "/api/v1/allocations/",
        {"child": world.child.pk, "team": world.team.pk},
        format="json",
    )
    assert response.status_code == 403
    response = client_for(world.missing_coordinator).post(
        "/api/v1/allocations/",
        {
            "child": world.child.pk,
            "team": world.other_team.pk,
            "worker": world.other_social_worker.pk,
            "replacing": current.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    current.refresh_from_db()
    assert current.ended_at == NOW
    new = response.json()["id"]
    ended = client_for(world.missing_coordinator).post(
        f"/api/v1/allocations/{new}/end/", HTTP_IF_MATCH=response["ETag"]
    )
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None


def test_access_grants_are_made_listed_and_revoked(world, client_for):
    UserFactory(username="outofarea")
    client = client_for(world.team_manager)
    response = client.post(
        "/api/v1/access-grants/",
        {
            "child": world.child.pk,
            "user": "outofarea",
            "expires_at": "2026-04-30T23:00:00+00:00",
            "reason": "Host authority social worker",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    grant = response.json()["id"]
    assert response.json()["granted_by"] == world.team_manager.username
    etag = etag_of(client, f"/api/v1/access-grants/{grant}/")
    refused = client_for(world.social_worker).post(
        f"/api/v1/access-grants/{grant}/revoke/", HTTP_IF_MATCH=etag
    )
    assert refused.status_code == 403
    assert client.post(f"/api/v1/access-grants/{grant}/revoke/").status_code == 428
    revoked = client.post(f"/api/v1/access-grants/{grant}/revoke/", HTTP_IF_MATCH=etag)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert ChildAccessGrant.objects.get(pk=grant).expires_at == NOW


def _png_base64() -> str:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 40), (10, 200, 10)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_a_photo_is_uploaded_read_by_the_force_told_and_consented_for_publication(
    world, client_for, settings, tmp_path
):
    import base64

    settings.MEDIA_ROOT = tmp_path
    url = f"/api/v1/children/{world.child.pk}/photo/"
    social_worker = client_for(world.social_worker)
    assert social_worker.get(url).status_code == 404, "no photo held yet"
    response = social_worker.post(
        url,
        {"image": _png_base64(), "consent_given_by": "Pat", "child_agreement": "agreed"},
        format="json",
        HTTP_IF_MATCH=etag_of(social_worker, url),
    )
    assert response.status_code == 201, response.content
    assert base64.b64decode(response.json()["image"])[:2] == b"\xff\xd8", "stored as JPEG"
    assert response.json()["media_consent_at"] is None
    # Police see the child once an episode names their force; each read is audited.
    client_for(world.social_worker).post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "category": "missing",
            "last_seen_at": "2026-03-30T09:00:00+01:00",
            "police_force": world.force.pk,
        },
        format="json",
    )
    police = client_for(world.police_liaison)
    assert police.get(url).status_code == 200
    assert world.child.record_accesses.filter(user=world.police_liaison, via=f"GET {url}").exists()
    refused = police.post(
        f"/api/v1/children/{world.child.pk}/photo-media-consent/",
        {"reason": "Publish"},
        format="json",
        HTTP_IF_MATCH=etag_of(police, url),
    )
    assert refused.status_code == 403
    manager = client_for(world.team_manager)
    consented = manager.post(
        f"/api/v1/children/{world.child.pk}/photo-media-consent/",
        {"reason": "Significant risk"},
        format="json",
        HTTP_IF_MATCH=etag_of(manager, url),
    )
    assert consented.status_code == 200 and consented.json()["media_consent_at"] is not None


def test_the_api_refuses_an_svg_bad_base64_and_a_police_upload(world, client_for):
    import base64

    url = f"/api/v1/children/{world.child.pk}/photo/"
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>').decode()
    client = client_for(world.social_worker)
    for image in (svg, "not base64!"):
        response = client.post(
            url,
            {"image": image, "consent_given_by": "Pat", "child_agreement": "agreed"},
            format="json",
            HTTP_IF_MATCH=etag_of(client, url),
        )
        assert response.status_code == 400, response.content
    assert not Child.objects.get(pk=world.child.pk).photo
