"""Issue 12's API: a police officer refers a child to a panel; a "missing with" link
never names, by id, a child the key's user may not see."""

from __future__ import annotations

import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from contextual.services import record_missing_with
from panels.models import PanelReferral
from tests.factories import AllocationFactory, ChildFactory
from tests.kit import report, utc

NOW = utc(2026, 5, 20, 12)


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_police_officer_refers_a_child_they_know_to_a_named_panel(world):
    with time_machine.travel(NOW, tick=False):
        report(world, last_seen_at=utc(2026, 5, 20, 10), police_force=world.force)
        url = reverse("api:panel-referral-list")
        body = {
            "child": world.child.pk,
            "panel_kind": "exploitation",
            "indicators": ["cce_county_lines"],
            "reason": "Found in a trap house in another county.",
        }
        refused = _client(world.other_police_liaison).post(url, body, format="json")
        assert refused.status_code == 400, "another force does not know the child"
        assert not PanelReferral.objects.exists()
        response = _client(world.police_liaison).post(url, body, format="json")
    assert response.status_code == 201, response.content
    referral = PanelReferral.objects.get()
    assert (referral.panel_kind, referral.referring_agency) == ("exploitation", world.force)


def test_a_missing_with_link_gives_no_id_of_a_child_the_reader_may_not_see(world):
    sam = ChildFactory(given_name="Sam", family_name="Other", responsible_authority=world.council)
    AllocationFactory(
        child=sam,
        team=world.other_team,
        worker=world.other_social_worker,
        started_at=utc(2020, 1, 1),
    )
    with time_machine.travel(NOW, tick=False):
        episode = report(world, last_seen_at=utc(2026, 5, 20, 10))
        record_missing_with(
            acting_user=world.missing_coordinator,
            episode=episode,
            other_child_id=sam.pk,
            certainty="believed",
        )
        url = reverse("api:missing-with-list")
        worker = _client(world.social_worker).get(url).json()["results"]
        coordinator = _client(world.missing_coordinator).get(url).json()["results"]
        refused = _client(world.social_worker).post(
            url, {"episode": episode.pk, "other_child": sam.pk, "certainty": "known"}, format="json"
        )
    assert [row["other_child"] for row in worker] == [None]
    assert [row["other_child"] for row in coordinator] == [sam.pk]
    assert refused.status_code == 400
