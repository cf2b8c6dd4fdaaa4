"""People, API keys, notifications and access grants are tracked by history (issue 14,
decision 0016), without the secrets: no password hash, no key hash, no e-mail body."""

from __future__ import annotations

import datetime as dt

import pghistory.models
from django.utils import timezone

from agencies.models import User
from api.models import ApiKey
from api.services import create_api_key, revoke_api_key
from children.models import ChildAccessGrant
from children.services import grant_child_access, revoke_child_access
from core.actors import ENGINE
from notifications.models import Notification


def _events(obj) -> list:
    return list(pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))


def test_a_persons_changes_are_history_without_the_password_hash(world):
    person = world.outsider
    person.set_password("a-long-synthetic-passphrase")
    person.save()
    User.objects.filter(pk=person.pk).update(is_staff=True)
    User.objects.filter(pk=person.pk).update(is_active=False)
    events = _events(person)
    assert [event.pgh_label for event in events][-2:] == ["update", "update"]
    assert [event.pgh_data["is_staff"] for event in events][-2:] == [True, True]
    assert events[-1].pgh_data["is_active"] is False
    assert all("password" not in event.pgh_data for event in events)
    assert all(person.password not in str(event.pgh_data) for event in events)


def test_an_api_keys_life_is_history_without_its_hash(world):
    api_key, secret = create_api_key(acting_user=ENGINE, user=world.police_liaison, name="Force")
    revoke_api_key(acting_user=ENGINE, api_key=api_key)
    events = _events(ApiKey.objects.get(pk=api_key.pk))
    assert [event.pgh_label for event in events] == ["insert", "update"]
    assert events[0].pgh_data["revoked_at"] is None and events[1].pgh_data["revoked_at"]
    assert all("hashed_key" not in event.pgh_data for event in events)
    assert all(api_key.hashed_key not in str(event.pgh_data) for event in events)
    assert all(secret not in str(event.pgh_data) for event in events)


def test_a_notifications_delivery_is_history_without_its_body(world):
    now = timezone.now()
    notification = Notification.objects.create(
        recipient=world.social_worker,
        channel="email",
        kind="breached",
        child=world.child,
        dedupe_key="history-test-1",
        subject="A deadline was breached",
        body="Body-9c1f: the return interview is overdue.",
        created_at=now,
        next_attempt_at=now,
    )
    Notification.objects.filter(pk=notification.pk).update(status="sent", sent_at=now, attempts=1)
    events = _events(notification)
    assert [(event.pgh_label, event.pgh_data["status"]) for event in events] == [
        ("insert", "pending"),
        ("update", "sent"),
    ]
    assert all("Body-9c1f" not in str(event.pgh_data) for event in events)


def test_a_grant_is_made_and_revoked_only_by_the_service_and_both_are_history(world):
    grant = grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.outsider,
        expires_at=timezone.now() + dt.timedelta(days=7),
        reason="Covering the duty desk this week.",
    )
    revoke_child_access(acting_user=world.team_manager, grant=grant)
    events = _events(ChildAccessGrant.objects.get(pk=grant.pk))
    assert [event.pgh_label for event in events] == ["insert", "update"]
    assert events[0].pgh_data["revoked_at"] is None
    assert events[-1].pgh_data["revoked_at"] is not None
    assert [event.pgh_context["action"] for event in events] == [
        "Access granted",
        "Access revoked",
    ]
