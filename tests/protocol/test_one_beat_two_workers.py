"""Exactly one beat, and two workers sweeping one ledger (issue 13; decision 0022).

Real processes, our own redis-server (port 6392: never the shared 6379, nor 6391 of
test_faults.py): Celery beats under `missing.beat.LockedScheduler`, and Celery workers
against the test database.

1. Two beats at once: only the one holding the lock sends the schedule; the other
   stands by, and takes over when the first stops (released at once) or dies (after the
   lock's timeout).
2. Two workers sweep the same ledger at the same moment in small batches: between them
   each deadline is breached once, each notification written once and each e-mail sent
   once, and each worker did part of it.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import time
from collections import Counter

import pytest
import redis
from celery import Celery
from django.utils import timezone

from missing.celery import ENGINE_QUEUE
from notifications.models import Channel, DeliveryStatus, Notification
from protocol.models import Deadline, Status
from tests.notifications.backends import sent_mail
from tests.protocol.process_support import Processes
from tests.protocol.sweep_support import breach_events, lone_worker, make_deadlines

__all__ = ["lone_worker"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PORT = 6392
REDIS = f"redis://127.0.0.1:{PORT}/0"
SENT_SWEEP = "Sending due task protocol-sweep"


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path, port=PORT, name="one_beat", BEAT_LOCK_TIMEOUT_SECONDS="6")
    try:
        started.start_redis()
        yield started
    finally:
        started.stop()


def sweeps_sent(processes: Processes, name: str) -> int:
    return processes.log(name).count(SENT_SWEEP)


def test_two_beats_send_the_sweep_once_and_a_standby_takes_over(processes):
    processes.start_beat("beat-a")
    processes.wait_until(lambda: "holds the beat lock" in processes.log("beat-a"), "a holds it")
    processes.start_beat("beat-b")
    processes.wait_until(lambda: "standing by" in processes.log("beat-b"), "b stands by")

    # Both running for 8 sweep intervals of 1 s: only a sends.
    before = sweeps_sent(processes, "beat-a")
    time.sleep(8)
    sent_by_a = sweeps_sent(processes, "beat-a") - before
    assert 4 <= sent_by_a <= 10, processes.logs()
    assert sweeps_sent(processes, "beat-b") == 0, "the second beat sent nothing"
    # What reached the broker: one sweep message per interval, not two.
    queued = redis.Redis.from_url(REDIS).llen(ENGINE_QUEUE)
    assert queued == sweeps_sent(processes, "beat-a"), processes.logs()

    # a stops cleanly: it releases the lock and b takes over at its next try (2 s), well
    # before the 6 s timeout.
    processes.signal("beat-a", signal.SIGTERM)
    stopped = time.monotonic()
    assert "released the beat lock" in processes.log("beat-a")
    processes.wait_until(lambda: sweeps_sent(processes, "beat-b") > 0, "b sends", timeout=20)
    assert time.monotonic() - stopped < 5.5, "taken over on release, not on expiry"

    # b dies (SIGKILL: no release). A third beat stands by until the lock expires.
    processes.start_beat("beat-c")
    processes.wait_until(lambda: "standing by" in processes.log("beat-c"), "c stands by")
    assert sweeps_sent(processes, "beat-c") == 0
    processes.signal("beat-b", signal.SIGKILL)
    processes.wait_until(lambda: sweeps_sent(processes, "beat-c") > 0, "c sends", timeout=20)


def test_two_workers_sweeping_one_ledger_breach_and_notify_each_deadline_once(
    lone_worker, processes, tmp_path
):
    child, team, worker = lone_worker
    ids = make_deadlines(child, team, 2000, timezone.now() - dt.timedelta(minutes=1))
    # Small batches, so the two sweeps take turns through the ledger.
    processes.env["PROTOCOL_SWEEP_BATCH_SIZE"] = "10"
    for name in ("worker-a", "worker-b"):
        processes.start_worker(name, concurrency=1, queues="engine,celery")
    for name in ("worker-a", "worker-b"):
        processes.wait_until(lambda name=name: " ready." in processes.log(name), f"{name} ready")

    # Two sweeps sent at the same moment (as two beats, or a beat and an operator, would):
    # each idle worker takes one.
    # An app of its own, not made current: later tests in this process send their tasks
    # through the project's app and broker, not this test's stopped redis-server. The
    # connection is named outright: Celery prefers a CELERY_BROKER_URL in the environment
    # to an app's own broker, and would send the sweeps there.
    app = Celery(set_as_current=False)
    try:
        with app.connection_for_write(REDIS) as connection:
            for _ in range(2):
                app.send_task(
                    "notifications.tasks.sweep", queue=ENGINE_QUEUE, connection=connection
                )
    finally:
        app.close()

    emails = Notification.objects.filter(deadline_id__in=ids, channel=Channel.EMAIL)
    processes.wait_until(
        lambda: emails.filter(status=DeliveryStatus.SENT).count() == 2000,
        "2,000 breaches are swept and their 2,000 e-mails sent",
        timeout=240,
    )
    time.sleep(2)  # anything left in flight lands now: nothing more may happen

    def breached_by(name: str) -> int:
        return sum(
            int(n)
            for n in re.findall(
                r"notifications\.tasks\.sweep\[[^]]+\] succeeded in [^:]+: \{'now': [^}]*?"
                r"'breached': (\d+)",
                processes.log(name),
            )
        )

    by_a, by_b = breached_by("worker-a"), breached_by("worker-b")
    assert by_a + by_b == 2000, processes.logs()
    assert by_a > 0 and by_b > 0, f"both workers swept at once: {by_a} and {by_b}"
    assert Deadline.objects.filter(pk__in=ids, status=Status.BREACHED).count() == 2000
    assert breach_events(ids) == Counter(dict.fromkeys(ids, 1)), "each breached exactly once"
    assert Notification.objects.filter(deadline_id__in=ids, channel=Channel.IN_APP).count() == 2000
    assert emails.count() == 2000
    sent = Counter(m["X-Homeward-Notification"] for m in sent_mail(processes.mail))
    assert set(sent) == {str(pk) for pk in emails.values_list("pk", flat=True)}
    assert max(sent.values()) == 1, "no e-mail sent twice"
