"""The child's record links each deadline still to be met to the page that meets it."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from casework.services import report_episode
from risk.services import record_risk_assessment


def test_an_open_deadline_links_to_its_action_and_a_met_one_does_not(world, client):
    now = dt.datetime.now(dt.UTC)
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(hours=3),
        reported_at=now - dt.timedelta(hours=2),
    )
    client.force_login(world.social_worker)
    assess_url = reverse("risk:assess", args=[world.child.pk]) + f"?episode={episode.pk}"
    page = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert f'href="{assess_url}"' in page

    record_risk_assessment(
        acting_user=world.social_worker,
        child=world.child,
        episode=episode,
        rag="green",
        threshold_level=1,
    )
    page = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert f'href="{assess_url}"' not in page
