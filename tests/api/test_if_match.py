"""If-Match is required on every change of an existing record: 428 without it, 412 when
stale, nothing changed either way; the tag is the record's own (GET on its URL)."""

from __future__ import annotations

import pytest

from children.models import ChildAccessGrant, LegalStatus, Placement
from episodes.models import Episode, SafeAndWellCheck
from tests.api.conftest import etag_of
from tests.factories import UserFactory


@pytest.fixture
def records(world, open_scene, client_for):
    """One of each record the API changes in place, made through the API."""
    manager = client_for(world.team_manager)
    legal = manager.post(
        "/api/v1/legal-statuses/",
        {"child": world.child.pk, "status": "looked_after", "start_date": "2026-01-01"},
        format="json",
    ).json()["id"]
    placement = manager.post(
        "/api/v1/placements/",
        {
            "child": world.child.pk,
            "kind": "residential",
            "provider": "Example Care Ltd",
            "postcode": "N22 8HQ",
            "placing_authority": world.council.pk,
            "host_authority": world.other_council.pk,
            "start_date": "2026-01-10",
        },
        format="json",
    ).json()["id"]
    UserFactory(username="outofarea")
    grant = manager.post(
        "/api/v1/access-grants/",
        {
            "child": world.child.pk,
            "user": "outofarea",
            "expires_at": "2026-04-30T23:00:00+00:00",
            "reason": "Host authority social worker",
        },
        format="json",
    ).json()["id"]
    return {
        "episode": open_scene.open.pk,
        "child": world.child.pk,
        "legal": legal,
        "placement": placement,
        "allocation": world.child.allocations.get().pk,
        "grant": grant,
    }


# Every change of an existing record the API offers: (method, path, body).
CHANGES = [
    ("patch", "/api/v1/episodes/{episode}/", {"police_reference": "NP-9"}),
    ("post", "/api/v1/episodes/{episode}/return/", {"returned_at": "2026-03-30T12:30:00+01:00"}),
    ("post", "/api/v1/episodes/{episode}/reclassify/", {"category": "absent", "reason": "Known"}),
    ("post", "/api/v1/episodes/{episode}/reopen/", {"reason": "Seen again"}),
    (
        "post",
        "/api/v1/episodes/{episode}/safe-and-well-check/",
        {"checked_at": "2026-03-30T09:00:00+01:00"},
    ),
    ("patch", "/api/v1/children/{child}/", {"school": "Elsewhere"}),
    ("patch", "/api/v1/children/{child}/philomena/", {"places_frequented": "Park"}),
    ("post", "/api/v1/children/{child}/photo/", {"image": "x"}),
    ("post", "/api/v1/children/{child}/photo-media-consent/", {"reason": "Publish"}),
    ("patch", "/api/v1/legal-statuses/{legal}/", {"start_date": "2026-01-02"}),
    ("post", "/api/v1/legal-statuses/{legal}/end/", {"end_date": "2026-03-29"}),
    ("patch", "/api/v1/placements/{placement}/", {"provider": "Other"}),
    ("post", "/api/v1/placements/{placement}/end/", {"end_date": "2026-03-01"}),
    ("post", "/api/v1/allocations/{allocation}/end/", {}),
    ("post", "/api/v1/access-grants/{grant}/revoke/", {}),
]


def _snapshot(world) -> tuple:
    episode = Episode.objects.order_by("pk").values_list(
        "police_reference", "returned_at", "category", "updated_at"
    )
    return (
        list(episode),
        list(LegalStatus.objects.values_list("start_date", "end_date")),
        list(Placement.objects.values_list("provider", "end_date")),
        list(world.child.allocations.values_list("ended_at", flat=True)),
        list(ChildAccessGrant.objects.values_list("expires_at", flat=True)),
        SafeAndWellCheck.objects.count(),
        type(world.child).objects.values_list("school", "places_frequented").get(pk=world.child.pk),
    )


@pytest.mark.parametrize(("method", "path", "body"), CHANGES, ids=[c[1] for c in CHANGES])
def test_a_change_without_if_match_is_428_problem_json_and_changes_nothing(
    world, records, client_for, method, path, body
):
    client = client_for(world.team_manager)
    before = _snapshot(world)
    response = getattr(client, method)(path.format(**records), body, format="json")
    assert response.status_code == 428, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/precondition_required")
    assert "If-Match" in response.json()["detail"]
    assert _snapshot(world) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [c for c in CHANGES if "photo" not in c[1]],
    ids=[c[1] for c in CHANGES if "photo" not in c[1]],
)
def test_a_change_with_a_stale_if_match_is_412_and_changes_nothing(
    world, records, client_for, method, path, body
):
    client = client_for(world.team_manager)
    path = path.format(**records)
    stale = etag_of(client, path)
    # The record changes after that read (a colleague, or the same person in another tab):
    # a PATCH of the record, or for an allocation or a grant the same action done first.
    if "/episodes/" in path:
        target, change = f"/api/v1/episodes/{records['episode']}/", {"police_risk": "high"}
    elif path.endswith("/philomena/"):
        target, change = path, {"description": "Tall"}
    elif "/children/" in path:
        target, change = f"/api/v1/children/{records['child']}/", {"upn": "R801200101001"}
    elif "/legal-statuses/" in path:
        target, change = f"/api/v1/legal-statuses/{records['legal']}/", {"start_date": "2026-01-03"}
    elif "/placements/" in path:
        target, change = f"/api/v1/placements/{records['placement']}/", {"provider": "Third"}
    else:
        target, change = path, body
    other = client_for(world.team_manager)
    method_first = "patch" if target != path or method == "patch" else "post"
    moved = getattr(other, method_first)(
        target, change, format="json", HTTP_IF_MATCH=etag_of(other, target)
    )
    assert moved.status_code == 200, moved.content
    before = _snapshot(world)
    response = getattr(client, method)(path, body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert _snapshot(world) == before
