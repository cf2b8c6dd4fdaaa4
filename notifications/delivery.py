"""Delivery of what the outbox holds: in-app rows by being marked sent, e-mail claimed
with a lease, sent through Django's mail backend, marked sent, retried with back-off.
A notification is sent once (the lease below says where "once" has its one gap)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.history import label_engine_transaction
from notifications.models import Channel, DeliveryStatus, Kind, Notification

# Messages that say a child is missing now: not delivered once the child is back or the
# episode was entered in error (decision 0018). The return is announced to everyone told
# of the report; an escalation or a reclassification about a child already back would send
# a manager looking for a child who is home.
MISSING_NOW_KINDS = (Kind.EPISODE_REPORTED, Kind.ESCALATION, Kind.RECLASSIFIED)
ENDED = Q(kind__in=MISSING_NOW_KINDS) & (
    Q(episode__returned_at__isnull=False) | Q(episode__entered_in_error=True)
) | Q(kind__in=(Kind.DUE_SOON, Kind.BREACHED), deadline__status="cancelled")

WITHDRAWN_REASON = "Not sent: the state it announced had ended before delivery."

logger = logging.getLogger(__name__)

# An e-mail row is claimed by pushing its next attempt this far ahead, in one conditional
# UPDATE, before anything is sent: a second worker cannot claim it meanwhile. If the
# worker dies before sending, the row becomes claimable again when the lease runs out.
# If it dies after sending but before marking the row sent, the e-mail goes again after
# the lease: that window (one SMTP reply to one UPDATE) is the only at-least-once gap,
# and the delivery reference below closes it where the backend can: every attempt of one
# row carries the same reference, so GOV.UK Notify's backend finds the first send and
# does not send again, and an SMTP redelivery has the first one's Message-ID (mail
# clients and relays that deduplicate by it show one message).
# NOTIFICATION_CLAIM_LEASE_SECONDS: 600 in deployments; the fault tests shorten it.
CLAIM_LEASE = dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)

# Headers every e-mail carries, read by the backends (notifications.notify).
REFERENCE_HEADER = "X-Homeward-Reference"
KIND_HEADER = "X-Homeward-Kind"
ATTEMPT_HEADER = "X-Homeward-Attempt"


def delivery_reference(notification: Notification) -> str:
    """The same for every attempt at one outbox row, and unique to it: the reference a
    redelivery is recognised by."""
    return f"homeward-notification-{notification.pk}"


def message_id(reference: str) -> str:
    """An RFC 5322 Message-ID made from the reference, on the site's own domain."""
    domain = urlsplit(settings.SITE_URL).hostname or "homeward.invalid"
    return f"<{reference}@{domain}>"


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off: the base delay after the first failure, doubling after each."""
    return dt.timedelta(
        seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    )


def deliver_notification(
    notification_id: int, *, now: dt.datetime | None = None, mail_connection=None
) -> str:
    """Deliver one pending notification once. Returns "sent", "retry", "failed" or
    "skipped" (not pending, not yet due for another attempt, or claimed by another worker).

    In-app rows are delivered by being marked sent (the inbox reads them). E-mail is
    claimed first, then sent through Django's configured backend, then marked sent.
    """
    now = now or timezone.now()
    due = Notification.objects.filter(
        pk=notification_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    )
    if due.filter(ENDED).update(status=DeliveryStatus.WITHDRAWN, last_error=WITHDRAWN_REASON):
        return "withdrawn"
    if due.filter(channel=Channel.IN_APP).update(
        status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1
    ):
        return "sent"
    if not due.filter(channel=Channel.EMAIL).update(
        attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE
    ):
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        address = notification.recipient.email if notification.recipient.is_active else ""
        if not address:
            raise ValueError("The recipient has no e-mail address (or is no longer active).")
        reference = delivery_reference(notification)
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            connection=mail_connection,
            headers={
                # Lets a mail log be matched to its outbox row (and a duplicate be spotted).
                "X-Homeward-Notification": str(notification.pk),
                REFERENCE_HEADER: reference,
                "Message-ID": message_id(reference),
                KIND_HEADER: notification.kind,
                ATTEMPT_HEADER: str(notification.attempts),
            },
        ).send()
    except Exception as error:  # any failure of the mail system is recorded and retried
        failed = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            next_attempt_at=now + retry_delay(notification.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning(
            "E-mail notification %s failed (attempt %s): %s",
            notification_id,
            notification.attempts,
            error,
        )
        return "failed" if failed else "retry"
    # last_error is kept: a row sent at the third attempt still says why the first two failed.
    Notification.objects.filter(pk=notification_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    return "sent"


def deliver_notifications(
    notification_ids: Iterable[int], *, now: dt.datetime | None = None
) -> dict[str, int]:
    """Deliver several. Returns counts by outcome.

    What needs no mail server is done for the whole batch at once, with the conditions
    `deliver_notification` uses for one row: rows whose moment has ended are withdrawn,
    then in-app rows are marked sent, one conditional UPDATE each. E-mail rows then go
    one at a time (claimed, sent, marked), sharing one mail connection. Row by row, a
    burst of 19,000 rows took two minutes (bench/lag.py; decision 0022).
    """
    ids = list(notification_ids)
    at = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    due = Notification.objects.filter(
        pk__in=ids, status=DeliveryStatus.PENDING, next_attempt_at__lte=at
    )
    with transaction.atomic():
        label_engine_transaction()
        withdrawn = due.filter(ENDED).update(
            status=DeliveryStatus.WITHDRAWN, last_error=WITHDRAWN_REASON
        )
        sent = due.filter(channel=Channel.IN_APP).update(
            status=DeliveryStatus.SENT, sent_at=at, attempts=F("attempts") + 1
        )
    emails = set(due.filter(channel=Channel.EMAIL).values_list("pk", flat=True))
    for outcome, count in (
        ("withdrawn", withdrawn),
        ("sent", sent),
        # Not pending (another worker, an earlier run), or not yet due again.
        ("skipped", len(ids) - withdrawn - sent - len(emails)),
    ):
        if count > 0:
            counts[outcome] += count
    if not emails:
        return dict(counts)
    mail_connection = get_connection()
    try:
        for notification_id in ids:
            if notification_id in emails:
                # Each e-mail's own time (`now` if given): its claim's lease starts when
                # it is claimed, not when the batch began.
                counts[
                    deliver_notification(notification_id, now=now, mail_connection=mail_connection)
                ] += 1
    finally:
        try:
            mail_connection.close()
        except Exception:  # closing a broken SMTP connection must not hide the results
            logger.warning("Could not close the mail connection", exc_info=True)
    return dict(counts)


def deliver_pending(*, now: dt.datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Deliver what the outbox holds that is due: new rows whose hand-off was lost, and
    retries whose back-off has passed. Oldest first."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver_notifications(ids, now=now)
