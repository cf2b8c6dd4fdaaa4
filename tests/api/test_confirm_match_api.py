"""`POST /api/v1/episodes/{id}/confirm-match/`: the API's side of "Confirm the police's
match" (issue 14): MASH confirms that the child a force reported by name and date of birth
is the council's child; until then the force sees only the episode it sent."""

from __future__ import annotations

from episodes.models import Episode
from episodes.services import update_episode
from tests.api.test_police_takeover import EPISODES, details


def _confirm(client, episode_id: int, etag: str | None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return client.post(f"{EPISODES}{episode_id}/confirm-match/", {}, format="json", **headers)


def test_mash_confirms_the_match_through_the_api_and_only_then_the_force_sees_the_child(
    world, client_for
):
    evans = client_for(world.police_liaison)
    sent = evans.post(EPISODES, details(world), format="json").json()
    assert Episode.objects.get(pk=sent["id"]).awaiting_match
    child_url = f"/api/v1/children/{world.child.pk}/"
    assert evans.get(child_url).status_code == 404

    mash = client_for(world.mash_triage)
    read = mash.get(f"{EPISODES}{sent['id']}/")
    assert read.status_code == 200
    # The force that sent it may not confirm its own match; nor a worker of another team.
    assert (
        _confirm(evans, sent["id"], evans.get(f"{EPISODES}{sent['id']}/")["ETag"]).status_code
        == 403
    )
    assert (
        _confirm(client_for(world.other_social_worker), sent["id"], read["ETag"]).status_code == 404
    )
    assert Episode.objects.get(pk=sent["id"]).awaiting_match

    confirmed = _confirm(mash, sent["id"], read["ETag"])
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["id"] == sent["id"]
    assert not Episode.objects.get(pk=sent["id"]).awaiting_match
    assert evans.get(child_url).status_code == 200

    # Confirming twice is a conflict, not a silent success.
    again = mash.get(f"{EPISODES}{sent['id']}/")
    assert _confirm(mash, sent["id"], again["ETag"]).status_code == 409


def test_a_stale_etag_is_refused_and_nothing_changes(world, client_for):
    evans = client_for(world.police_liaison)
    sent = evans.post(EPISODES, details(world), format="json").json()
    mash = client_for(world.mash_triage)
    stale = mash.get(f"{EPISODES}{sent['id']}/")["ETag"]
    # The episode changes after MASH read it (the force corrects its reference).
    update_episode(
        acting_user=world.police_liaison,
        episode=Episode.objects.get(pk=sent["id"]),
        police_reference="SP-2026-0010",
    )
    assert _confirm(mash, sent["id"], stale).status_code == 412
    assert Episode.objects.get(pk=sent["id"]).awaiting_match
