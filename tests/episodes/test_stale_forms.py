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


def test_a_stale_legal_status_correction_is_refused_and_a_fresh_one_is_saved(world, clock, client):
    from children.models import LegalStatus
    from children.services import add_legal_status, correct_legal_status

    period = add_legal_status(
        acting_user=world.social_worker,
        child=world.child,
        status="looked_after",
        start_date=utc(2026, 1, 1).date(),
        end_date=None,
    )
    assert period is not None
    url = reverse("children:legal_status_correct", args=[world.child.pk, period.pk])
    client.force_login(world.social_worker)
    drawn = _version(client.get(url))
    # The team manager corrects the start date meanwhile, through the service.
    correct_legal_status(
        acting_user=world.team_manager,
        legal_status=period,
        status="looked_after",
        start_date=utc(2026, 1, 2).date(),
        end_date=None,
    )
    form = {
        "status": "looked_after",
        "start_date_day": "5",
        "start_date_month": "1",
        "start_date_year": "2026",
        VERSION_FIELD: drawn,
    }
    stale = client.post(url, form)
    assert stale.status_code == 200
    assert "Bob Tester changed this record" in stale.content.decode()
    assert LegalStatus.objects.get(pk=period.pk).start_date == utc(2026, 1, 2).date()
    fresh = client.post(url, {**form, VERSION_FIELD: _version(stale)})
    assert fresh.status_code == 302, fresh.content.decode()[:500]
    assert LegalStatus.objects.get(pk=period.pk).start_date == utc(2026, 1, 5).date()
