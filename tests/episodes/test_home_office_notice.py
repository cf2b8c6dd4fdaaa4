"""The Home Office notice page: the one place the home_office_notice deadline is met."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from casework.services import report_episode
from protocol.models import Deadline

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def uasc_episode(world):
    world.child.is_uasc = True
    world.child.save()
    return report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=6),
        reported_at=NOW - dt.timedelta(hours=5),
    )


def _post(client, episode, **overrides):
    data = {
        "informed_day": "10",
        "informed_month": "6",
        "informed_year": "2026",
        "informed_time": "12:45",
        "nrm_referral_considered": "on",
    }
    data.update(overrides)
    return client.post(reverse("episodes:home_office_notice", args=[episode.pk]), data, follow=True)


def test_the_allocated_worker_records_the_notice_and_the_deadline_is_met(
    client, world, uasc_episode
):
    client.force_login(world.social_worker)
    detail = client.get(reverse("episodes:detail", args=[uasc_episode.pk])).content.decode()
    assert reverse("episodes:home_office_notice", args=[uasc_episode.pk]) in detail
    response = _post(client, uasc_episode)
    assert "Home Office notice recorded." in response.content.decode()
    uasc_episode.refresh_from_db()
    assert uasc_episode.home_office_informed_at == dt.datetime(2026, 6, 10, 11, 45, tzinfo=dt.UTC)
    assert uasc_episode.nrm_referral_considered
    deadline = Deadline.objects.get(episode=uasc_episode, rule="home_office_notice")
    assert (deadline.status, deadline.met_at) == ("met", uasc_episode.home_office_informed_at)


def test_a_notice_before_the_child_was_last_seen_is_refused_and_changes_nothing(
    client, world, uasc_episode
):
    client.force_login(world.social_worker)
    response = _post(client, uasc_episode, informed_time="05:00")
    assert "cannot be informed before the child was last seen" in response.content.decode()
    uasc_episode.refresh_from_db()
    assert uasc_episode.home_office_informed_at is None


def test_a_worker_of_another_team_gets_404(client, world, uasc_episode):
    client.force_login(world.other_social_worker)
    assert _post(client, uasc_episode).status_code == 404
    uasc_episode.refresh_from_db()
    assert uasc_episode.home_office_informed_at is None
