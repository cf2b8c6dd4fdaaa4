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
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from missing.celery import ENGINE_QUEUE
from notifications.models import Channel, DeliveryStatus, Notification
from protocol.models import Deadline, Status
from tests.notifications.backends import sent_mail
from tests.protocol.sweep_support import breach_events, lone_worker, make_deadlines

__all__ = ["lone_worker"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PORT = 6392
REDIS = f"redis://127.0.0.1:{PORT}/0"
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
SENT_SWEEP = "Sending due task protocol-sweep"


class Processes:
    """Our redis-server, beats and workers: each its own process group, always stopped."""

    def __init__(self, tmp: Path, **env: str):
        self.tmp = tmp
        self.mail = tmp / "mail"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "missing.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            "REDIS_URL": REDIS,
            "CELERY_BROKER_URL": REDIS,
            "CELERY_RESULT_BACKEND": REDIS,
            "CACHE_KEY_PREFIX": "test_hw_one_beat",
            "PROTOCOL_SWEEP_INTERVAL_SECONDS": "1",
            "NOTIFICATIONS_DELIVER_INTERVAL_SECONDS": "1",
            "EMAIL_BACKEND": "tests.notifications.backends.FailFirstSendsBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "FLAKY_EMAIL_STATE": str(tmp / "failures_left"),
            "PYTHONPATH": str(ROOT),
            **env,
        }

    def start(self, name: str, command: list[str]) -> None:
        log = (self.tmp / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own programs
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_redis(self) -> None:
        self.start(
            "redis",
            ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
        )  # fmt: skip
        self.wait_until(self._redis_answers, "our redis-server answers", timeout=20)

    @staticmethod
    def _redis_answers() -> bool:
        try:
            return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start_beat(self, name: str) -> None:
        self.start(
            name,
            [CELERY, "-A", "missing", "beat", "--schedule", str(self.tmp / f"{name}-schedule"),
             "--loglevel", "INFO"],
        )  # fmt: skip

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            [CELERY, "-A", "missing", "worker", "--concurrency", "1", "--queues",
             "engine,celery", "--hostname", f"{name}-{os.getpid()}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        )  # fmt: skip

    def signal(self, name: str, signum: int) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signum)
        process.wait(timeout=20)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes = {}

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text()[-3000:]
            for path in sorted(self.tmp.glob("*.log"))
        )

    def wait_until(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"Timed out after {timeout} s waiting until {what}\n{self.logs()}")


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path, BEAT_LOCK_TIMEOUT_SECONDS="6")
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
        processes.start_worker(name)
    for name in ("worker-a", "worker-b"):
        processes.wait_until(lambda name=name: " ready." in processes.log(name), f"{name} ready")

    # Two sweeps sent at the same moment (as two beats, or a beat and an operator, would):
    # each idle worker takes one.
    app = Celery(broker=REDIS)
    for _ in range(2):
        app.send_task("notifications.tasks.sweep", queue=ENGINE_QUEUE)

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
