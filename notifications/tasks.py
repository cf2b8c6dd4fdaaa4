"""Delivery of the outbox (thin: each task calls a service and returns what it did)."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task
def deliver(notification_id: int) -> str:
    """Deliver one notification, once (a second run, or another worker, does nothing)."""
    return services.deliver_notification(notification_id)


@shared_task
def deliver_batch(notification_ids: list[int]) -> dict[str, int]:
    """Deliver the rows one sweep wrote, enqueued after its transaction committed."""
    return services.deliver_notifications(notification_ids)


@shared_task
def deliver_pending() -> dict[str, int]:
    """Beat, every minute: whatever is pending and due (lost hand-offs, retries)."""
    return services.deliver_pending()
