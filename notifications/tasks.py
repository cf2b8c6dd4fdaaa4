"""The outbox's tasks (thin: each calls a service and returns what it did)."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task
def write_notifications() -> int:
    """After a sweep: write the notifications its deadlines owe to the outbox."""
    return services.write_owed_notifications()


@shared_task
def deliver(notification_id: int) -> str:
    """Deliver one notification, once (a second run, or another worker, does nothing)."""
    return services.deliver_notification(notification_id)


@shared_task
def deliver_batch(notification_ids: list[int]) -> dict[str, int]:
    """Deliver the rows one write wrote, enqueued after its transaction committed."""
    return services.deliver_notifications(notification_ids)


@shared_task
def deliver_pending() -> dict[str, int]:
    """Beat, every minute: the safety net. Writes anything still owed (a hand-off lost
    when a worker restarted), then delivers whatever is pending and due (retries too)."""
    written = services.write_owed_notifications()
    delivered = services.deliver_pending()
    return {"written": written, **delivered}
