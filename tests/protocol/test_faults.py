"""Fault injection with the real parts: our own redis-server (port 6391, never the shared
6379), a real Celery worker and beat, the API and /health/ in this process.

Faults injected, and what must hold after each:
1. Redis killed (SIGKILL, no persistence) and restarted empty: the API answers meanwhile
   (throttle fails open, idempotency in PostgreSQL), /health/ says 503; deadlines that
   fell due meanwhile are breached once and e-mailed once after the restart, though the
   broker lost every queued task (the ledger and the outbox are the record).
2. Beat stopped: /health/ says 503 once the last sweep is older than 3 intervals and
   due deadlines wait unswept; after a restart everything is caught up, once.
3. A worker killed mid-delivery (GOV.UK Notify had taken the e-mail, the row was not yet
   marked sent): after its lease, the redelivery finds the first send by its reference
   and sends nothing: one e-mail.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import create_api_key
from core.actors import ENGINE
from notifications.models import Channel, DeliveryStatus, Notification
from protocol.models import Deadline, Status
from tests.factories import AllocationFactory, ChildFactory
from tests.notifications.backends import sent_mail
from tests.notifications.notify_stub import API_KEY, NotifyStub
from tests.protocol.process_support import Processes
from tests.protocol.sweep_support import breach_events, lone_worker

__all__ = ["lone_worker"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PORT = 6391  # this module's own Redis; the shared one on 6379 is never touched
REDIS = f"redis://127.0.0.1:{PORT}/0"


def stack_of(tmp: Path, **env: str) -> Processes:
    """Our redis-server, a Celery worker and beat (tests/protocol/process_support.py)."""
    return Processes(
        tmp, port=PORT, name="faults", timeout=120, NOTIFICATION_RETRY_BASE_SECONDS="1", **env
    )


def start_worker(stack: Processes) -> None:
    stack.start_worker("worker", concurrency=2, queues="engine,celery,reports")


@pytest.fixture
def own_redis_settings(settings):
    """This process's cache (the throttle, /health/'s last sweep) is our own Redis too."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": "test_hw_faults",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.PROTOCOL_SWEEP_INTERVAL_SECONDS = 1
    return settings


def _deadlines(child, team, prefix: str, count: int) -> list[int]:
    due_at = timezone.now() + dt.timedelta(seconds=1)
    Deadline.objects.bulk_create(
        Deadline(
            key=f"{prefix}:{index}",
            rule="strategy_meeting",
            child=child,
            opens_at=due_at - dt.timedelta(hours=1),
            due_at=due_at,
            due_soon_at=due_at - dt.timedelta(minutes=15),
            due_soon_notified_at=due_at - dt.timedelta(minutes=15),
            status=Status.OPEN,
            owner_role="team_manager",
            owner_team=team,
            reason="A fault drill deadline.",
        )
        for index in range(count)
    )
    return list(
        Deadline.objects.filter(child=child, key__startswith=f"{prefix}:").values_list(
            "pk", flat=True
        )
    )


def _all_emailed(ids: list[int]):
    emails = Notification.objects.filter(deadline_id__in=ids, channel=Channel.EMAIL)
    return lambda: emails.filter(status=DeliveryStatus.SENT).count() == len(ids)


def _health(client) -> tuple[int, dict]:
    response = client.get("/health/")
    return response.status_code, response.json()


def test_redis_killed_and_beat_stopped_lose_nothing_and_send_nothing_twice(
    lone_worker, own_redis_settings, tmp_path, client
):
    child, team, worker = lone_worker
    stack = stack_of(tmp_path)
    try:
        stack.start_redis()
        cache.clear()
        start_worker(stack)
        stack.start_beat("beat")
        before = _deadlines(child, team, "before", 20)
        stack.wait_until(_all_emailed(before), "20 breaches e-mailed before any fault")
        stack.wait_until(lambda: _health(client)[0] == 200, "health is 200")

        # Fault 1: Redis killed. The API answers; health says 503.
        stack.signal("redis", signal.SIGKILL)
        _key, key = create_api_key(acting_user=ENGINE, user=worker)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        listed = api.get("/api/v1/deadlines/")
        assert listed.status_code == 200, listed.content
        read = api.get(f"/api/v1/children/{child.pk}/")
        assert read.status_code == 200, read.content
        # Another child of the worker's: reporting re-runs the protocol for that child
        # alone, leaving the drill deadlines (which no rule owns) to the sweep.
        other = ChildFactory(responsible_authority=child.responsible_authority)
        AllocationFactory(child=other, team=team, worker=worker)
        body = {
            "child": other.pk,
            "category": "missing",
            "last_seen_at": timezone.now().isoformat(),
        }
        reported = api.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="f1")
        assert reported.status_code == 201, reported.content
        again = api.post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY="f1")
        assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        status, report = _health(client)
        assert status == 503 and report["redis"] == "error", report
        during = _deadlines(child, team, "during", 20)
        time.sleep(4)  # four sweep intervals with no broker: nothing can sweep them
        assert Deadline.objects.filter(pk__in=during, status=Status.OPEN).count() == 20
        status, report = _health(client)
        assert status == 503 and any("unswept" in p for p in report["problems"]), report

        # Redis back, empty: every queued task is gone; the ledger and outbox are not.
        stack.start_redis()
        stack.wait_until(_all_emailed(during), "the 20 due during the outage are e-mailed")
        stack.wait_until(lambda: _health(client)[0] == 200, "health is 200 again")

        # Fault 2: beat stopped. Health goes 503 on the stale sweep; a restart catches up.
        stack.signal("beat", signal.SIGKILL)
        stalled = _deadlines(child, team, "stalled", 5)
        stack.wait_until(
            lambda: any("The last sweep ran" in p for p in _health(client)[1]["problems"]),
            "health reports the stale sweep",
            timeout=30,
        )
        assert _health(client)[0] == 503
        assert Deadline.objects.filter(pk__in=stalled, status=Status.OPEN).count() == 5
        stack.start_beat("beat")
        stack.wait_until(_all_emailed(stalled), "the 5 due while beat was down are e-mailed")
        stack.wait_until(lambda: _health(client)[0] == 200, "health is 200 after beat restarts")
        time.sleep(3)  # more sweeps and deliveries: nothing more may happen
    finally:
        stack.stop()

    ids = before + during + stalled
    assert Deadline.objects.filter(pk__in=ids, status=Status.BREACHED).count() == 45
    assert breach_events(ids) == Counter(dict.fromkeys(ids, 1)), "each breached exactly once"
    emails = Notification.objects.filter(deadline_id__in=ids, channel=Channel.EMAIL)
    assert emails.count() == 45, "one e-mail row per breach: none lost, none doubled"
    assert Notification.objects.filter(deadline_id__in=ids, channel=Channel.IN_APP).count() == 45
    sent = Counter(m["X-Homeward-Notification"] for m in sent_mail(stack.mail))
    drill = {str(pk) for pk in emails.values_list("pk", flat=True)}
    assert drill <= set(sent)
    # Besides the drill's, only the e-mails of the episode reported during the outage
    # (the moment it was reported names no deadline of the drill).
    others = Notification.objects.filter(channel=Channel.EMAIL).exclude(deadline_id__in=ids)
    assert set(sent) - drill <= {str(pk) for pk in others.values_list("pk", flat=True)}
    assert max(sent.values()) == 1, "no e-mail sent twice"


def test_a_worker_killed_mid_delivery_sends_the_email_once_through_notify(
    lone_worker, own_redis_settings, tmp_path
):
    child, team, _worker = lone_worker
    notify = NotifyStub().start()
    notify.hold = 30.0  # Notify takes the e-mail, then the worker waits for the reply
    stack = stack_of(
        tmp_path,
        EMAIL_BACKEND="notifications.notify.NotifyEmailBackend",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=notify.url,
        NOTIFY_TEMPLATES_JSON='{"default": "f33517ff-2a88-4f6e-b855-c550268ce08a"}',
        NOTIFICATION_CLAIM_LEASE_SECONDS="3",
    )
    try:
        stack.start_redis()
        start_worker(stack)
        stack.start_beat("beat")
        [deadline_id] = _deadlines(child, team, "killed", 1)
        if not notify.got_send.wait(timeout=120):
            pytest.fail(f"Notify was never sent the e-mail\n{stack.logs()}")
        # Fault 3: the worker is killed after Notify took the e-mail, before the UPDATE.
        stack.signal("worker", signal.SIGKILL)
        notify.hold = 0.0
        row = Notification.objects.get(deadline_id=deadline_id, channel=Channel.EMAIL)
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1), "sent, not marked"
        start_worker(stack)
        stack.wait_until(_all_emailed([deadline_id]), "the row is delivered after the lease")
        time.sleep(3)
    finally:
        stack.stop()
        notify.stop()
    row.refresh_from_db()
    assert row.attempts == 2, "one attempt killed, one redelivery"
    reference = f"homeward-notification-{row.pk}"
    assert [n["reference"] for n in notify.accepted] == [reference], "Notify sent it once"
    assert all(r.token_ok for r in notify.requests)
    lookups = [r for r in notify.requests if r.method == "GET"]
    assert lookups and lookups[0].query["reference"] == [reference]
