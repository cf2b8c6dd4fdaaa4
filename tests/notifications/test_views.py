"""The in-app inbox: delivered notifications, the header's unread count, marking read."""

from __future__ import annotations

import itertools

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Notification
from tests.risk.support import (
    NOW,
    allocated_child,
    assert_redirects_to_sign_in,
    constant_queries,
    hours_ago,
    signed_in,
)

_keys = itertools.count()


def notify(
    user,
    *,
    child=None,
    channel="in_app",
    status="sent",
    subject="Return interview overdue",
    hours=1,
    read=False,
):
    return Notification.objects.create(
        recipient=user,
        channel=channel,
        kind="breached",
        child=child,
        dedupe_key=f"test:{next(_keys)}",
        subject=subject,
        body="Jamie's return interview was due 2 hours ago.",
        url=f"/children/{child.pk}/" if child else "",
        created_at=hours_ago(hours),
        next_attempt_at=hours_ago(hours),
        status=status,
        sent_at=hours_ago(hours) if status == "sent" else None,
        read_at=hours_ago(0.5) if read else None,
    )


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_inbox_lists_the_users_delivered_in_app_notifications_newest_first(client, world):
    older = notify(world.social_worker, child=world.child, subject="Older", hours=5)
    newer = notify(world.social_worker, subject="Newer", hours=1)
    notify(world.social_worker, channel="email", subject="By e-mail")
    notify(world.social_worker, status="pending", subject="Not delivered yet")
    notify(world.team_manager, subject="Someone else's")
    response = signed_in(client, world.social_worker).get(reverse("notifications:index"))
    assert response.status_code == 200
    assert response.context["notifications"] == [newer, older]
    html = response.content.decode()
    assert f'href="/children/{world.child.pk}/"' in html
    assert "Someone else" not in html and "By e-mail" not in html


def test_a_notification_about_a_child_the_user_can_no_longer_see_is_hidden(client, world):
    notify(world.other_social_worker, child=world.child, subject="About Jamie")
    notify(world.other_social_worker, subject="General")
    response = signed_in(client, world.other_social_worker).get(reverse("notifications:index"))
    assert [n.subject for n in response.context["notifications"]] == ["General"]
    assert '1<span class="govuk-visually-hidden"> unread</span>' in response.content.decode()


def test_the_header_shows_the_unread_count_on_every_page(client, world):
    notify(world.social_worker)
    notify(world.social_worker)
    notify(world.social_worker, read=True)
    html = signed_in(client, world.social_worker).get(reverse("home")).content.decode()
    assert '2<span class="govuk-visually-hidden"> unread</span>' in html


def test_marking_one_read_and_then_all(client, world):
    first = notify(world.social_worker, subject="First")
    notify(world.social_worker, subject="Second")
    notify(world.social_worker, subject="Third")
    client = signed_in(client, world.social_worker)
    response = client.post(reverse("notifications:read", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at == NOW
    assert (
        '2<span class="govuk-visually-hidden"> unread</span>'
        in client.get(reverse("notifications:index")).content.decode()
    )
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(
        recipient=world.social_worker, read_at__isnull=True
    ).exists()
    page = client.get(reverse("notifications:index")).content.decode()
    assert 'govuk-visually-hidden"> unread' not in page
    assert "2 notifications marked as read." in page


def test_marking_read_with_htmx_returns_the_new_badge(client, world):
    first = notify(world.social_worker)
    notify(world.social_worker)
    response = signed_in(client, world.social_worker).post(
        reverse("notifications:read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert (
        response.content.decode().strip().startswith('<strong class="govuk-tag govuk-tag--red">1<')
    )


def test_someone_elses_notification_is_404_and_stays_unread(client, world):
    theirs = notify(world.team_manager)
    response = signed_in(client, world.social_worker).post(
        reverse("notifications:read", args=[theirs.pk])
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_twice_is_harmless_and_keeps_the_first_time(client, world):
    mine = notify(world.social_worker, read=True)
    response = signed_in(client, world.social_worker).post(
        reverse("notifications:read", args=[mine.pk])
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at == hours_ago(0.5)


def test_marking_read_needs_a_post(client, world):
    mine = notify(world.social_worker)
    assert (
        signed_in(client, world.social_worker)
        .get(reverse("notifications:read", args=[mine.pk]))
        .status_code
        == 405
    )


def test_anonymous_is_sent_to_sign_in(client, world):
    mine = notify(world.social_worker)
    assert_redirects_to_sign_in(client.get(reverse("notifications:index")))
    assert_redirects_to_sign_in(client.post(reverse("notifications:read", args=[mine.pk])))
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_inbox_runs_a_constant_number_of_queries(client, world):
    notify(world.social_worker, child=world.child)
    signed_in(client, world.social_worker)

    def more():
        for _ in range(6):
            notify(world.social_worker, child=allocated_child(world))

    constant_queries(client, reverse("notifications:index"), more)
    assert len(client.get(reverse("notifications:index")).context["notifications"]) == 7
