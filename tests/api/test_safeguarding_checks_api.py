"""POST /api/v1/safeguarding-checks/, GET list and retrieve, POST {id}/answer/ with If-Match."""

from __future__ import annotations

from children.models import RecordAccess
from episodes.models import SafeguardingCheckRequest
from tests.api.conftest import etag_of

URL = "/api/v1/safeguarding-checks/"


def test_request_list_answer_through_the_api(world, client_for, open_scene):
    episode = open_scene.open
    body = {"episode": episode.pk, "to_authority": world.other_council.pk, "asked": "Known?"}
    refused = client_for(world.other_social_worker).post(URL, body, format="json")
    assert refused.status_code in (400, 403, 404)
    same = client_for(world.social_worker).post(
        URL, {**body, "to_authority": world.council.pk}, format="json"
    )
    assert same.status_code == 400
    assert not SafeguardingCheckRequest.objects.exists()
    made = client_for(world.social_worker).post(URL, body, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]

    for name, person in world.every_persona().items():
        listed = client_for(person).get(URL)
        if name == "anonymous":
            assert listed.status_code in (401, 403)
            continue
        ids = [row["id"] for row in listed.json()["results"]]
        if name in ("third_coordinator", "outsider", "health_professional", "other_police_liaison"):
            assert ids == [], name
            assert client_for(person).get(f"{URL}{pk}/").status_code == 404, name
        if name in ("social_worker", "team_manager", "missing_coordinator", "host_coordinator"):
            assert ids == [pk], name

    host = client_for(world.host_coordinator)
    assert host.get(f"/api/v1/children/{world.child.pk}/").status_code == 404
    retrieved = host.get(f"{URL}{pk}/")
    assert retrieved.json()["child_name"] == "Jamie Fictional"
    assert RecordAccess.objects.filter(
        user=world.host_coordinator, child=world.child, channel="api"
    ).exists()

    answer = f"{URL}{pk}/answer/"
    assert host.post(answer, {"answer": "No"}, format="json").status_code == 428
    stale = host.post(answer, {"answer": "No"}, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    worker = client_for(world.social_worker)
    tag = etag_of(worker, f"{URL}{pk}/")
    assert (
        worker.post(answer, {"answer": "No"}, format="json", HTTP_IF_MATCH=tag).status_code == 403
    )
    assert SafeguardingCheckRequest.objects.get().answer == ""
    tag = etag_of(host, f"{URL}{pk}/")
    done = host.post(answer, {"answer": "Not known."}, format="json", HTTP_IF_MATCH=tag)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "answered"
    assert worker.get(f"{URL}{pk}/").json()["answer"] == "Not known."
