"""A browser form carries the version of the record it was drawn at: sent after someone
else changed the record, it is refused with who changed it and when, nothing is saved,
and the page shows the record as it is now. Browser-free: Django's test client."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from core.forms import VERSION_FIELD
from episodes.models import Category, Episode
from tests.kit import report, utc

NOW = utc(2026, 6, 10, 13, 5)  # 14:05 in London (BST)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _version(page) -> str:
    html = page.content.decode()
    match = re.search(rf'name="{VERSION_FIELD}" value="([0-9a-f]+)"', html)
    assert match, "the form carries the version it was drawn at"
    return match.group(1)


def test_two_stale_reclassifications_are_refused_and_a_fresh_one_is_saved(
    world, clock, client, django_user_model
):
    from django.test import Client

    episode = report(world, last_seen_at=utc(2026, 6, 10, 9), category="missing")
    url = reverse("episodes:reclassify", args=[episode.pk])
    alice, bob = client, Client()
    alice.force_login(world.social_worker)
    bob.force_login(world.team_manager)
    alice_version = _version(alice.get(url))
    bob_version = _version(bob.get(url))
    assert alice_version == bob_version

    # Bob reclassifies first.
    saved = bob.post(
        url,
        {"category": "absent", "reason": "Known to be at a friend's.", VERSION_FIELD: bob_version},
    )
    assert saved.status_code == 302
    assert Episode.objects.get(pk=episode.pk).category == Category.ABSENT

    # Alice's form was drawn before: refused, with who and when, and nothing saved.
    stale = alice.post(
        url, {"category": "missing", "reason": "No contact since 9.", VERSION_FIELD: alice_version}
    )
    assert stale.status_code == 200
    text = stale.content.decode()
    assert "Bob Tester changed this record at 14:05; your changes were not saved." in text, (
        re.findall(r"<li><a href=\"#\">([^<]*)", text)
    )
    assert "govuk-error-summary" in text
    assert "It is recorded as <strong>absent</strong>" in text, "the page shows it as it is now"
    assert Episode.objects.get(pk=episode.pk).category == Category.ABSENT
    redrawn = _version(stale)
    assert redrawn != alice_version, "the form now carries the version Alice has seen"

    # Bob changes it again before Alice sends: her second submission is stale too.
    clock.move_to(utc(2026, 6, 10, 13, 20))
    again = bob.post(
        url,
        {
            "category": "missing",
            "reason": "Friend's parent says not there.",
            VERSION_FIELD: redrawn,
        },
    )
    assert again.status_code == 302
    second = alice.post(
        url, {"category": "absent", "reason": "Seen by school.", VERSION_FIELD: redrawn}
    )
    assert second.status_code == 200
    assert "Bob Tester changed this record at 14:20" in second.content.decode()
    assert Episode.objects.get(pk=episode.pk).category == Category.MISSING
    assert episode.reclassifications.count() == 2, "only Bob's two changes were saved"

    # Having seen the record as it is, Alice sends again: saved.
    fresh = alice.post(
        url, {"category": "absent", "reason": "Seen by school.", VERSION_FIELD: _version(second)}
    )
    assert fresh.status_code == 302
    assert Episode.objects.get(pk=episode.pk).category == Category.ABSENT
