"""Delivery of the outbox: sent once, retried with back-off, given up after N attempts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from notifications.delivery import CLAIM_LEASE, deliver_notification, deliver_pending
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from tests.notifications.backends import sent_mail

T = dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def clock():
    with time_machine.travel(T, tick=False) as traveller:
        yield traveller


def notification(user, channel=Channel.EMAIL, key="one", **extra) -> Notification:
    return Notification.objects.create(
        recipient=user,
        channel=channel,
        kind=Kind.BREACHED,
        dedupe_key=f"test:{key}:{channel}",
        subject="Overdue: Return interview for Jamie Fictional, was due 13:00 on 3 March",
        body="The return interview was due 13:00 on 3 March.",
        url="/children/1/",
        created_at=T,
        next_attempt_at=T,
        **extra,
    )


@pytest.fixture
def flaky(settings, tmp_path):
    """The failing backend; `flaky(n)` makes the next n sends fail."""
    settings.EMAIL_BACKEND = "tests.notifications.backends.FailFirstSendsBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.FLAKY_EMAIL_STATE = str(tmp_path / "failures_left")
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_MAX_ATTEMPTS = 4

    def fail_next(times: int):
        (tmp_path / "failures_left").write_text(str(times))
        return tmp_path / "mail"

    return fail_next


def test_an_in_app_notification_is_delivered_by_being_marked_sent(world, clock):
    row = notification(world.social_worker, channel=Channel.IN_APP)
    assert deliver_notification(row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert row.sent_at == T
    assert mail.outbox == [], "in-app notifications send no e-mail"


def test_an_email_is_sent_once_however_often_delivery_runs(world, clock):
    row = notification(world.social_worker)
    assert deliver_notification(row.pk) == "sent"
    assert deliver_notification(row.pk) == "skipped"
    assert deliver_pending() == {}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.social_worker.email]
    assert "Jamie Fictional" in message.subject
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.SENT, 1, T)


def test_a_claimed_email_is_not_sent_by_another_worker_until_its_lease_runs_out(world, clock):
    """A worker that claimed a row and died before sending: nobody sends it while the
    claim holds; after the lease it is sent, once."""
    row = notification(world.social_worker)
    Notification.objects.filter(pk=row.pk).update(attempts=1, next_attempt_at=T + CLAIM_LEASE)
    assert deliver_notification(row.pk) == "skipped"
    assert mail.outbox == []
    clock.move_to(T + CLAIM_LEASE)
    assert deliver_notification(row.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_with_exponential_back_off_and_recorded(world, clock, flaky):
    directory = flaky(2)
    row = notification(world.social_worker)

    assert deliver_notification(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at == T + dt.timedelta(seconds=60), "first retry after the base delay"
    assert "SMTPServerDisconnected" in row.last_error

    clock.move_to(T + dt.timedelta(seconds=60) - SECOND)
    assert deliver_pending() == {}, "not before the back-off has passed"

    clock.move_to(T + dt.timedelta(seconds=60))
    assert deliver_pending() == {"retry": 1}
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == T + dt.timedelta(seconds=60 + 120), "the delay doubles"

    clock.move_to(T + dt.timedelta(seconds=180))
    assert deliver_pending() == {"sent": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 3)
    assert "SMTPServerDisconnected" in row.last_error, (
        "why the earlier attempts failed stays recorded"
    )
    messages = sent_mail(directory)
    assert len(messages) == 1, "sent once, after two failures"
    assert messages[0]["X-Homeward-Notification"] == str(row.pk)


def test_delivery_gives_up_after_the_maximum_attempts(world, clock, flaky):
    directory = flaky(100)
    row = notification(world.social_worker)
    moment = T
    outcomes = []
    for _ in range(6):
        outcomes.append(deliver_pending(now=moment))
        moment += dt.timedelta(hours=1)
    assert outcomes[:4] == [{"retry": 1}, {"retry": 1}, {"retry": 1}, {"failed": 1}]
    assert outcomes[4:] == [{}, {}], "a failed notification is not tried again"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == 4
    assert "refused" in row.last_error
    assert sent_mail(directory) == []


def test_a_recipient_without_an_email_address_is_recorded_as_an_error(world, clock, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    world.outsider.email = ""
    world.outsider.save(update_fields=["email"])
    row = notification(world.outsider)
    assert deliver_notification(row.pk) == "failed"
    row.refresh_from_db()
    assert "no e-mail address" in row.last_error
    assert mail.outbox == []


def test_deliver_pending_sends_what_is_due_oldest_first_and_leaves_the_rest(world, clock):
    first = notification(world.social_worker, key="first")
    later = notification(world.team_manager, key="later")
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=T + dt.timedelta(minutes=5))
    assert deliver_pending() == {"sent": 1}
    first.refresh_from_db()
    later.refresh_from_db()
    assert first.status == DeliveryStatus.SENT
    assert later.status == DeliveryStatus.PENDING
