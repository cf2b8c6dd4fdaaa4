"""A real Celery worker and beat with the Redis broker, against the test database.

Nobody calls the engine by hand here: beat schedules the sweep and the outbox delivery
(every second, through PROTOCOL_SWEEP_INTERVAL_SECONDS and
NOTIFICATIONS_DELIVER_INTERVAL_SECONDS), the worker runs them. Mail goes through a real
file-based backend (tests.notifications.backends) so it can be counted across processes.
Redis db 6 is these tests' own broker.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from episodes.models import Category, Episode
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from protocol.models import Deadline, Status
from tests.notifications.backends import sent_mail
from tests.protocol.sweep_support import breach_events, lone_worker, make_deadlines, report

__all__ = ["lone_worker"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER = "redis://127.0.0.1:6379/6"
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


class Celery:
    """The worker and beat processes, each in its own process group, always stopped."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.mail = tmp / "mail"
        self.failures = tmp / "failures_left"
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "missing.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            "REDIS_URL": BROKER,
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": BROKER,
            "CACHE_KEY_PREFIX": "test_hw_sweep_worker",
            "PROTOCOL_SWEEP_INTERVAL_SECONDS": "1",
            "NOTIFICATIONS_DELIVER_INTERVAL_SECONDS": "1",
            "NOTIFICATION_RETRY_BASE_SECONDS": "1",
            "EMAIL_BACKEND": "tests.notifications.backends.FailFirstSendsBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "FLAKY_EMAIL_STATE": str(self.failures),
            "PYTHONPATH": str(ROOT),
        }
        redis.Redis.from_url(BROKER).flushdb()  # no task left over from an earlier run

    def _start(self, name: str, *args: str) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        self.processes.append(
            subprocess.Popen(
                [CELERY, "-A", "missing", *args, "--loglevel", "INFO"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self) -> None:
        self._start(
            "worker",
            "worker",
            "--concurrency",
            "2",
            "--queues",
            "engine,celery,reports",
            "--hostname",
            f"sweep-test-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )
        self._start("beat", "beat", "--schedule", str(self.tmp / "beat-schedule"))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes = []

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text()[-3000:]
            for path in sorted(self.tmp.glob("*.log"))
        )

    def wait_until(self, condition, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.25)
        pytest.fail(f"Timed out after {timeout} s waiting until {what}\n{self.logs()}")


@pytest.fixture
def celery(transactional_db, tmp_path):
    processes = Celery(tmp_path)
    try:
        yield processes
    finally:
        processes.stop()


def test_a_deadline_that_comes_due_is_breached_and_its_notification_delivered_by_the_worker(
    world, celery
):
    celery.start()
    episode = report(
        world,
        last_seen_at=timezone.now() - dt.timedelta(hours=24) + dt.timedelta(seconds=3),
        category="absent",
    )
    review = Deadline.objects.get(episode=episode, rule="absent_review")
    assert review.status == Status.OPEN

    def delivered() -> bool:
        rows = Notification.objects.filter(deadline=review, kind=Kind.RECLASSIFIED)
        return rows.exists() and not rows.exclude(status=DeliveryStatus.SENT).exists()

    celery.wait_until(delivered, "the absent review is breached and its notifications sent")
    review.refresh_from_db()
    assert review.status == Status.BREACHED
    assert Episode.objects.get(pk=episode.pk).category == Category.MISSING, (
        "reclassified by the worker"
    )
    emails = Notification.objects.filter(
        deadline=review, kind=Kind.RECLASSIFIED, channel=Channel.EMAIL
    )
    to_alice = emails.get(recipient=world.social_worker)
    mail = [m for m in sent_mail(celery.mail) if m["X-Homeward-Notification"] == str(to_alice.pk)]
    assert len(mail) == 1
    assert mail[0]["To"] == world.social_worker.email
    assert f"Absent episode now missing: record HW-{world.child.pk}" in mail[0]["Subject"]
    assert "Jamie" not in mail[0]["Subject"] + mail[0].get_payload(), "e-mail never names the child"
    assert emails.filter(recipient=world.police_liaison).exists()


def test_after_an_outage_500_due_deadlines_are_breached_once_and_notified_once(lone_worker, celery):
    child, team, worker = lone_worker
    ids = make_deadlines(child, team, 500, timezone.now() + dt.timedelta(seconds=1))
    time.sleep(1.5)  # they fall due while no worker runs
    assert Deadline.objects.filter(pk__in=ids, status=Status.OPEN).count() == 500

    celery.start()
    emails = Notification.objects.filter(deadline_id__in=ids, channel=Channel.EMAIL)
    celery.wait_until(
        lambda: emails.filter(status=DeliveryStatus.SENT).count() == 500,
        "500 breaches are swept and their 500 e-mails sent",
        timeout=180,
    )
    time.sleep(3)  # a few more sweeps and deliveries: nothing more may happen
    assert Deadline.objects.filter(pk__in=ids, status=Status.BREACHED).count() == 500
    assert breach_events(ids) == Counter(dict.fromkeys(ids, 1)), "each breached exactly once"
    assert Notification.objects.filter(deadline_id__in=ids, channel=Channel.IN_APP).count() == 500
    assert emails.count() == 500
    sent = Counter(m["X-Homeward-Notification"] for m in sent_mail(celery.mail))
    assert set(sent) == {str(pk) for pk in emails.values_list("pk", flat=True)}
    assert max(sent.values()) == 1, "no e-mail sent twice"
    assert set(emails.values_list("attempts", flat=True)) == {1}


def test_a_failed_delivery_is_retried_by_the_worker_and_recorded(lone_worker, celery):
    child, team, worker = lone_worker
    celery.failures.write_text("2")  # the mail server refuses the first two sends
    [deadline_id] = make_deadlines(child, team, 1, timezone.now() + dt.timedelta(seconds=2))
    celery.start()
    email = Notification.objects.filter(deadline_id=deadline_id, channel=Channel.EMAIL)
    celery.wait_until(
        lambda: email.filter(status=DeliveryStatus.SENT).exists(),
        "the e-mail is sent after two failures",
    )
    row = email.get()
    assert row.attempts == 3, "two failed attempts, then the one that worked"
    assert "SMTPServerDisconnected" in row.last_error
    assert row.recipient == worker
    mail = sent_mail(celery.mail)
    assert [m["X-Homeward-Notification"] for m in mail] == [str(row.pk)]
