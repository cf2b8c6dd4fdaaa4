"""The in-app inbox: what a person has been told, and marking it read.

In-app notifications are outbox rows (channel "in_app") delivered by being marked sent
(notifications.delivery.deliver_notification). A notification about a child the person
may no longer see is hidden, so the inbox never shows more than the record would.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from children.selectors import child_visibility
from core import request_cache
from notifications.models import Channel, DeliveryStatus, Notification


def inbox(user) -> QuerySet[Notification]:
    """The user's delivered in-app notifications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(
        Q(child__isnull=True) | child_visibility(user, "child_id"),
        recipient=user,
        channel=Channel.IN_APP,
        status=DeliveryStatus.SENT,
    ).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """Counted once per request (core.request_cache): the header and the home page both
    show it. A POST that marks notifications read has no request cache, so it never
    reads a stale count."""
    return request_cache.memo(
        ("unread_count", getattr(user, "pk", None)),
        lambda: inbox(user).filter(read_at__isnull=True).count(),
    )


def mark_read(*, acting_user, notification_id: int) -> bool:
    """Mark one of the user's notifications read (once; a second call changes nothing)."""
    return bool(
        inbox(acting_user)
        .filter(pk=notification_id, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def mark_all_read(*, acting_user) -> int:
    return inbox(acting_user).filter(read_at__isnull=True).update(read_at=timezone.now())
