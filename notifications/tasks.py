"""From a deadline falling due to a delivered e-mail: the whole path, top to bottom.

1. `sweep` (beat, every 15 seconds; missing/celery.py) runs `protocol.services.sweep`: due
   deadlines are breached, met or warned, and what each owes is recorded on its row in
   the same UPDATE (`Deadline.pending_notification`). Nothing is sent yet.
2. Once the sweep's batches have committed, `write_notifications` writes the owed rows to
   the outbox (`notifications.outbox.write_owed_notifications`: who is told comes from
   `notifications.recipients`, what they are told from `notifications.messages`), in
   batches on `NOTIFICATION_WRITERS` threads, each with its own database connection.
3. Each written batch, once committed, is handed to `deliver_batch` in chunks, which sends
   it (`notifications.delivery`): in-app rows are marked sent, e-mail is claimed with a
   lease, sent, marked sent, retried with back-off.
4. `deliver_pending` (beat, every minute) is the safety net: whatever a lost hand-off left
   owed or pending (a broker down, a worker restarted) is written and delivered.

Each task is thin and repeatable: running it twice, or on two workers, changes nothing
more (SKIP LOCKED claims, a unique dedupe key, conditional UPDATEs).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from celery import shared_task
from django.db import transaction

from notifications import announcements, delivery, outbox
from notifications import services as notification_services
from protocol import services as protocol_services

logger = logging.getLogger(__name__)

# Enqueued in groups, not one task per row: a sweep after an outage may write tens of
# thousands of rows, and one broker round trip per row would take longer than the sweep.
DELIVERY_CHUNK = 500


@shared_task
def sweep() -> dict:
    """1. Breach, meet and warn whatever has fallen due since the last sweep; then ask for
    what it owes to be written. 1b. Announce the moments the protocol names (an episode
    reported, a child back: PROTOCOL.md "Who is told"), handed to delivery as they commit."""
    result = sweep_and_notify().as_dict()
    result["announced"] = announcements.announce_moments(then=enqueue_delivery)
    return result


def sweep_and_notify(
    now: dt.datetime | None = None, *, batch_size: int | None = None
) -> protocol_services.SweepResult:
    result = protocol_services.sweep(now, batch_size=batch_size)
    if result.owes_notifications:
        # The batches have committed, so this runs at once (unless a caller's transaction
        # wraps the sweep, when it waits for that to commit).
        transaction.on_commit(enqueue_writing)
    return result


def enqueue_writing() -> None:
    """Ask a worker to write what the sweep recorded as owed. If the broker is down, the
    periodic `deliver_pending` writes it: the ledger, not the broker, is the record."""
    try:
        write_notifications.delay()
    except Exception:  # the broker is unreachable: deliver_pending will catch up
        logger.warning("Could not enqueue the writing of owed notifications", exc_info=True)


@shared_task
def write_notifications() -> int:
    """2. Write the notifications the sweep's deadlines owe to the outbox; each batch is
    handed to delivery once it has committed."""
    return outbox.write_owed_notifications(then=enqueue_delivery)


def enqueue_delivery(notification_ids: Sequence[int]) -> None:
    """Hand new rows to the workers. If the broker is down the rows stay pending and the
    periodic `deliver_pending` sends them: the outbox, not the broker, is the record."""
    try:
        # One broker connection for all the chunks, not one per task.
        with deliver_batch.app.producer_or_acquire() as producer:
            for start in range(0, len(notification_ids), DELIVERY_CHUNK):
                deliver_batch.apply_async(
                    (list(notification_ids[start : start + DELIVERY_CHUNK]),), producer=producer
                )
    except Exception:  # the broker is unreachable: deliver_pending will catch up
        logger.warning(
            "Could not enqueue delivery of %d notifications", len(notification_ids), exc_info=True
        )


@shared_task
def deliver_batch(notification_ids: list[int]) -> dict[str, int]:
    """3. Deliver the rows one write wrote, enqueued after its transaction committed."""
    return delivery.deliver_notifications(notification_ids)


@shared_task
def deliver(notification_id: int) -> str:
    """Deliver one notification, once (a second run, or another worker, does nothing)."""
    return delivery.deliver_notification(notification_id)


@shared_task
def deliver_pending() -> dict[str, int]:
    """4. Beat, every minute: the safety net. Writes anything still owed (a hand-off lost
    when a worker restarted), then delivers whatever is pending and due (retries too)."""
    written = outbox.write_owed_notifications()
    delivered = delivery.deliver_pending()
    return {"written": written, **delivered}


@shared_task
def send_digests() -> int:
    """Beat, each morning: the daily digest e-mail for those who chose it (issue 15)."""
    return notification_services.send_digests(then=enqueue_delivery)
