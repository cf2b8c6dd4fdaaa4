"""E-mail: what leaves Homeward never names the child; GOV.UK Notify as councils use it
(a stub of its API on loopback); the SMTP relay configured from the environment; one
delivery reference per outbox row, so a redelivery after a lost lease is recognised."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core import mail

from notifications.delivery import CLAIM_LEASE, deliver_notification, deliver_pending
from notifications.messages import deadline_messages
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from notifications.outbox import write_outbox
from notifications.recipients import Directory
from protocol.models import Deadline
from tests import kit
from tests.notifications.backends import WorkerDiesAfterSendBackend
from tests.notifications.notify_stub import API_KEY, NotifyStub

T = dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {
    "default": "f33517ff-2a88-4f6e-b855-c550268ce08a",
    "escalation": "a7b1c2d3-0000-4000-8000-00000000e5c4",
}


@pytest.fixture
def clock():
    with time_machine.travel(T, tick=False) as traveller:
        yield traveller


@pytest.fixture
def notify(settings):
    """The Notify backend, pointed at a stub of Notify's API on 127.0.0.1."""
    stub = NotifyStub().start()
    settings.EMAIL_BACKEND = "notifications.notify.NotifyEmailBackend"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = stub.url
    settings.NOTIFY_TEMPLATES = TEMPLATES
    yield stub
    stub.stop()


def _identifying(world) -> list[str]:
    child = world.child
    dob = child.date_of_birth
    return [
        child.given_name,
        child.family_name,
        dob.isoformat(),
        f"{dob.day} {dob:%B %Y}",
        f"{dob:%d/%m/%Y}",
        f"{dob.day}/{dob.month}/{dob.year}",
        child.local_child_id,
        "Northwick bus station",
    ]


def _deadline(world) -> Deadline:
    world.child.local_child_id = "NW-4471"
    world.child.save(update_fields=["local_child_id"])
    episode = kit.report(
        world,
        last_seen_at=T - dt.timedelta(hours=2),
        last_seen_location="Northwick bus station",
        police_force=world.force,
    )
    return Deadline.objects.filter(episode=episode).select_related("child", "episode").first()


def _email_rows(world, deadline: Deadline, kind: str) -> list[Notification]:
    messages = deadline_messages([(deadline, kind)], Directory.for_deadlines([deadline]))
    ids = write_outbox(messages, now=T)
    return list(Notification.objects.filter(pk__in=ids, channel=Channel.EMAIL))


def test_no_email_of_any_kind_names_the_child_or_gives_their_date_of_birth(world, clock):
    deadline = _deadline(world)
    identifying = _identifying(world)
    emails = 0
    for kind in Kind:
        rows = _email_rows(world, deadline, kind)
        assert rows, f"{kind}: someone is e-mailed"
        emails += len(rows)
        in_app = Notification.objects.filter(channel=Channel.IN_APP, kind=kind).first()
        assert in_app is not None and world.child.given_name in in_app.subject, (
            "the in-app text, read inside Homeward, still names the child"
        )
    deliver_pending()
    assert len(mail.outbox) == emails, "every e-mail row was sent"
    assert {m.extra_headers["X-Homeward-Kind"] for m in mail.outbox} == set(Kind)
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        leaked = [detail for detail in identifying if detail and detail in text]
        assert not leaked, f"{message.extra_headers['X-Homeward-Kind']} e-mail shows {leaked}"
        assert f"HW-{world.child.pk}" in message.subject, "a reference instead of a name"
        assert f"http://127.0.0.1:8000/children/{world.child.pk}/" in message.body, "a link"


def test_the_notify_backend_sends_with_a_signed_token_the_template_and_the_reference(
    world, clock, notify
):
    deadline = _deadline(world)
    rows = _email_rows(world, deadline, Kind.ESCALATION) + _email_rows(
        world, deadline, Kind.BREACHED
    )
    outcome = {row.pk: deliver_notification(row.pk) for row in rows}
    assert set(outcome.values()) == {"sent"}, outcome
    sends = notify.sends()
    assert len(sends) == len(rows)
    assert all(send.token_ok for send in sends), [send.token_error for send in sends]
    by_reference = {send.body["reference"]: send.body for send in sends}
    for row in rows:
        body = by_reference[f"homeward-notification-{row.pk}"]
        assert body["email_address"] == row.recipient.email
        assert body["template_id"] == (
            TEMPLATES["escalation"] if row.kind == Kind.ESCALATION else TEMPLATES["default"]
        )
        assert body["personalisation"] == {"subject": row.subject, "body": row.body}
        assert "Jamie" not in str(body)
    assert set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    ) == {DeliveryStatus.SENT}


def test_notify_refuses_a_token_signed_with_another_key_and_delivery_retries(
    world, clock, notify, settings
):
    settings.NOTIFY_API_KEY = API_KEY[:-36] + "ffffffff-ffff-4fff-8fff-ffffffffffff"
    [row, *_] = _email_rows(world, _deadline(world), Kind.BREACHED)
    assert deliver_notification(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.PENDING and "403" in row.last_error
    assert notify.sends() and not any(send.token_ok for send in notify.sends())
    assert notify.accepted == [], "nothing was sent"


def _killed_after_send(settings, real_backend: str) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.backends.WorkerDiesAfterSendBackend"
    settings.DIES_AFTER_SEND_BACKEND = real_backend
    WorkerDiesAfterSendBackend.died = False


def test_a_redelivery_after_a_lost_lease_reuses_the_reference_and_notify_sends_once(
    world, clock, notify, settings
):
    _killed_after_send(settings, "notifications.notify.NotifyEmailBackend")
    [row, *_] = _email_rows(world, _deadline(world), Kind.BREACHED)
    with pytest.raises(SystemExit):
        deliver_notification(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1), "claimed, never marked"
    assert len(notify.accepted) == 1, "Notify took the e-mail before the worker died"
    clock.move_to(T + CLAIM_LEASE - dt.timedelta(seconds=1))
    assert deliver_notification(row.pk) == "skipped", "the dead worker's lease holds"
    clock.move_to(T + CLAIM_LEASE)
    assert deliver_notification(row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    lookups = [r for r in notify.requests if r.method == "GET"]
    assert [r.query["reference"] for r in lookups] == [[f"homeward-notification-{row.pk}"]]
    assert len(notify.sends()) == 1, "the redelivery found the first send and sent nothing"
    assert len(notify.accepted) == 1


def test_an_smtp_redelivery_after_a_lost_lease_carries_the_first_message_id(world, clock, settings):
    _killed_after_send(settings, "django.core.mail.backends.locmem.EmailBackend")
    [row, *_] = _email_rows(world, _deadline(world), Kind.BREACHED)
    with pytest.raises(SystemExit):
        deliver_notification(row.pk)
    clock.move_to(T + CLAIM_LEASE)
    assert deliver_notification(row.pk) == "sent"
    first, again = mail.outbox
    reference = f"homeward-notification-{row.pk}"
    assert first.extra_headers["X-Homeward-Reference"] == reference
    assert first.message()["Message-ID"] == again.message()["Message-ID"]
    assert first.message()["Message-ID"] == f"<{reference}@127.0.0.1>"
    assert (
        first.extra_headers["X-Homeward-Attempt"],
        again.extra_headers["X-Homeward-Attempt"],
    ) == (
        "1",
        "2",
    )


def _settings_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The settings module as a deployment loads it, with `env` added."""
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, "
        "s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.NOTIFY_TEMPLATES)"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "missing.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_smtp_relay_and_notify_templates_are_read_from_the_environment():
    loaded = _settings_in(
        {
            "EMAIL_HOST": "smtp.example.invalid",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "true",
            "EMAIL_HOST_USER": "homeward",
            "EMAIL_HOST_PASSWORD": "s3cret-from-env",
            "NOTIFY_TEMPLATES_JSON": '{"default": "abc"}',
        }
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split("\n")[0] == (
        "smtp.example.invalid 587 True False homeward s3cret-from-env {'default': 'abc'}"
    )


def test_starttls_and_implicit_tls_together_are_refused_at_start_up():
    loaded = _settings_in({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"})
    assert loaded.returncode != 0
    assert "Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both." in loaded.stderr
