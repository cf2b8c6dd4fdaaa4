"""Two sweeps at the same moment (two threads, two database connections, real commits):
no deadline is breached twice and no notification is written or sent twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from missing.celery import app
from notifications.models import Channel, DeliveryStatus, Notification
from notifications.tasks import sweep_and_notify
from protocol.models import Status
from tests.protocol.sweep_support import breach_events, lone_worker, make_deadlines, own_cache

__all__ = ["lone_worker", "own_cache"]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("own_cache")]

NOW = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def deliver_inline():
    """Delivery tasks enqueued after commit run in the sweeping thread (Celery's eager
    mode), so this test needs no broker and nothing leaves for another database."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_two_sweeps_at_once_breach_each_deadline_once_and_notify_once(lone_worker, deliver_inline):
    child, team, worker = lone_worker
    ids = make_deadlines(child, team, 300, NOW - dt.timedelta(minutes=5))
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(sweep_and_notify(NOW, batch_size=25))
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(results) == 2
    assert sum(result.breached for result in results) == 300, "between them, each deadline once"
    assert breach_events(ids) == Counter(dict.fromkeys(ids, 1))
    rows = Notification.objects.filter(deadline_id__in=ids)
    assert rows.count() == 600
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    emailed = Counter(m.extra_headers["X-Homeward-Notification"] for m in mail.outbox)
    assert len(emailed) == rows.filter(channel=Channel.EMAIL).count() == 300
    assert max(emailed.values()) == 1, "no e-mail sent twice"
    assert not rows.filter(deadline__status=Status.OPEN).exists()
