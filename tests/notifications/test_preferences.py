"""Each person chooses, per kind of message, e-mail each time, in-app only, or a daily
digest; urgent kinds (a child missing, an escalation) cannot be switched off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.clock import london_date, start_of_london_day
from core.errors import Refused
from episodes.services import record_return
from notifications.announcements import announce_moments
from notifications.models import Channel, Kind, Notification, NotificationPreference
from notifications.services import send_digests, set_preference
from tests.protocol.sweep_support import own_cache, report, told

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")
HOUR = dt.timedelta(hours=1)


def test_in_app_only_keeps_the_in_app_row_and_drops_the_email(world):
    set_preference(acting_user=world.team_manager, kind=Kind.CHILD_RETURNED, delivery="in_app")
    episode = report(world, last_seen_at=timezone.now() - HOUR)
    announce_moments()
    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    announce_moments()
    assert told(kind=Kind.CHILD_RETURNED, channel=Channel.IN_APP) == {"alice", "bob"}
    assert told(kind=Kind.CHILD_RETURNED, channel=Channel.EMAIL) == {"alice"}


def test_urgent_kinds_cannot_be_switched_off(world):
    for kind in (Kind.EPISODE_REPORTED, Kind.ESCALATION, Kind.RECLASSIFIED):
        with pytest.raises(Refused, match="always"):
            set_preference(acting_user=world.team_manager, kind=kind, delivery="in_app")
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(
            user=world.team_manager, kind=Kind.ESCALATION, delivery="in_app"
        )
    report(world, last_seen_at=timezone.now() - HOUR)
    announce_moments()
    assert "bob" in told(kind=Kind.EPISODE_REPORTED, channel=Channel.EMAIL)


def test_the_daily_digest_sends_one_email_listing_the_days_messages_once(world):
    set_preference(acting_user=world.team_manager, kind=Kind.CHILD_RETURNED, delivery="digest")
    episode = report(world, last_seen_at=timezone.now() - HOUR)
    announce_moments()
    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    announce_moments()
    assert "bob" not in told(kind=Kind.CHILD_RETURNED, channel=Channel.EMAIL)
    later = timezone.now() + dt.timedelta(minutes=5)
    assert send_digests(now=later) == 1
    # Again later the same London day: an hour on, or just before midnight if that comes
    # first (after 23:00 an hour on is the next day, which has a digest of its own).
    midnight = start_of_london_day(london_date(later) + dt.timedelta(days=1))
    again = max(later, min(later + HOUR, midnight - dt.timedelta(seconds=1)))
    assert london_date(again) == london_date(later)
    assert send_digests(now=again) == 0, "one digest a day"
    digest = Notification.objects.get(kind=Kind.DIGEST)
    assert (digest.recipient, digest.channel) == (world.team_manager, Channel.EMAIL)
    assert f"Child returned ({settings.SITE_URL.rstrip('/')}/episodes/{episode.pk}/)" in digest.body
    # An e-mail never names the child (decision 0017): the in-app message has the name.
    assert "Jamie" not in digest.body and "Fictional" not in digest.body


def test_the_preferences_page_saves_choices_and_refuses_nonsense(world):
    client = Client()
    client.force_login(world.social_worker)
    url = reverse("notifications:preferences")
    page = client.get(url).content.decode()
    assert "Child reported missing" in page and "Escalation" in page
    response = client.post(
        url, {"kind_due_soon": "digest", "kind_breached": "email", "kind_returned": "in_app"}
    )
    assert response.status_code == 302
    assert dict(
        NotificationPreference.objects.filter(user=world.social_worker).values_list(
            "kind", "delivery"
        )
    ) == {"due_soon": "digest", "breached": "email", "returned": "in_app"}
    response = client.post(url, {"kind_due_soon": "shout", "kind_breached": "email"})
    assert response.status_code == 200
    assert (
        NotificationPreference.objects.get(user=world.social_worker, kind="due_soon").delivery
        == "digest"
    )
