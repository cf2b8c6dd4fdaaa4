"""Two sweeps at the same moment (two threads, two database connections, real commits):
no deadline is breached twice and no notification is written or sent twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, transaction

from missing.celery import app
from notifications.models import Channel, DeliveryStatus, Notification, NotificationEvent
from notifications.outbox import write_owed_notifications
from notifications.tasks import sweep_and_notify
from protocol import services as protocol_services
from protocol.models import Deadline, Status
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


def test_writers_in_parallel_each_write_batches_and_every_notification_once(lone_worker):
    child, team, _worker = lone_worker
    ids = make_deadlines(child, team, 300, NOW - dt.timedelta(minutes=5))
    assert protocol_services.sweep(NOW, batch_size=100).breached == 300
    # Each writer, after its first batch commits, waits here for the other two: the test
    # passes only if three writers on three connections each wrote at least one batch.
    first_batch_done = threading.Barrier(3, timeout=60)
    backends: dict[str, int] = {}

    def then(notification_ids):
        name = threading.current_thread().name
        if name not in backends:
            backends[name] = connection.connection.info.backend_pid
            first_batch_done.wait()

    written = write_owed_notifications(batch_size=20, writers=3, then=then)

    assert len(set(backends.values())) == 3, "three writers, each on its own connection"
    assert written == 600
    rows = Notification.objects.filter(deadline_id__in=ids)
    assert rows.count() == 600
    assert set(rows.values_list("deadline_id", flat=True)) == set(ids)
    assert not Deadline.objects.filter(pk__in=ids).exclude(pending_notification="").exists()
    inserted = NotificationEvent.objects.filter(pgh_label="insert", deadline_id__in=ids)
    assert Counter(inserted.values_list("pgh_obj_id", flat=True)) == Counter(
        dict.fromkeys(rows.values_list("pk", flat=True), 1)
    ), "one insert event per outbox row"
    assert write_owed_notifications(writers=3) == 0, "nothing owed is left, nothing written twice"


def test_a_writer_inside_a_callers_transaction_writes_alone_and_sees_its_marks(lone_worker):
    child, team, _worker = lone_worker
    ids = make_deadlines(child, team, 50, NOW - dt.timedelta(minutes=5))
    with transaction.atomic():
        protocol_services.sweep(NOW)
        # Writers on other connections would not see the marks this transaction made.
        assert write_owed_notifications(batch_size=20, writers=3) == 100
    assert Notification.objects.filter(deadline_id__in=ids).count() == 100
