"""Each person's choice of how to be told (issue 15), and the daily digest for those who
chose it. Urgent kinds (a child missing now, an escalation, an absent child now missing)
are always e-mailed too: they cannot be switched off."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import User
from core.clock import LONDON, london_date
from core.errors import Refused
from core.history import records
from notifications.messages import Message
from notifications.models import (
    CHOOSABLE_KINDS,
    URGENT_KINDS,
    Channel,
    Delivery,
    Kind,
    Notification,
    NotificationPreference,
)
from notifications.outbox import write_outbox


@records("Notification preference changed")
@transaction.atomic
def set_preference(*, acting_user: User, kind: str, delivery: str) -> NotificationPreference:
    """A person chooses, for one kind of message, e-mail each time, in-app only or the
    daily digest. Only for themselves; never for an urgent kind."""
    if kind in URGENT_KINDS:
        raise Refused("Urgent messages are always sent by e-mail too.", field="kind")
    if kind not in CHOOSABLE_KINDS:
        raise Refused("Choose a kind of message from the list.", field="kind")
    if delivery not in Delivery.values:
        raise Refused("Choose how to be told.", field="delivery")
    preference, _ = NotificationPreference.objects.update_or_create(
        user=acting_user, kind=kind, defaults={"delivery": delivery}
    )
    return preference


def preferences_of(user: User) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {str(kind): chosen.get(kind, Delivery.EMAIL) for kind in CHOOSABLE_KINDS}


def send_digests(*, now: dt.datetime | None = None, then=None) -> int:
    """The daily digest (beat, each morning): one e-mail to each person who chose it for
    some kind, listing that kind's in-app messages of the last 24 hours. Written to the
    outbox with a key per person and London date, so a second run that day writes nothing.
    Returns the rows written."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=1)
    day = london_date(now)
    chosen: dict[int, set[str]] = {}
    for user_id, kind in (
        NotificationPreference.objects.filter(delivery=Delivery.DIGEST, user__is_active=True)
        .exclude(user__email="")
        .values_list("user_id", "kind")
    ):
        chosen.setdefault(user_id, set()).add(kind)
    messages = []
    for user_id, kinds in chosen.items():
        rows = list(
            Notification.objects.filter(
                recipient_id=user_id,
                channel=Channel.IN_APP,
                kind__in=kinds,
                created_at__gte=since,
                created_at__lt=now,
            ).order_by("created_at")[:200]
        )
        if not rows:
            continue
        site = settings.SITE_URL.rstrip("/")
        # An e-mail never names a child (decision 0017): each line is what kind of message
        # it was and its link; the in-app message, behind sign-in, has the details.
        lines = [
            f"- {row.created_at.astimezone(LONDON):%d %B %H:%M}: {row.get_kind_display()} "
            f"({site}{row.url})"
            for row in rows
        ]
        subject = f"Homeward: your messages of the last day ({len(rows)})"
        body = (
            "What Homeward told you in the last 24 hours, as you chose:\n\n"
            + "\n".join(lines)
            + f"\n\nChange how you are told: {site}/notifications/preferences/\n"
        )
        messages.append(
            Message(
                kind=Kind.DIGEST,
                child_id=None,
                deadline_id=None,
                subject=subject,
                body=body,
                email_subject=subject,
                email_body=body,
                url="/notifications/",
                recipients=((user_id, Channel.EMAIL),),
                cause=f"digest:{day.isoformat()}",
            )
        )
    with transaction.atomic():
        ids = write_outbox(messages, now=now)
        if ids and then is not None:
            transaction.on_commit(lambda: then(ids))
    return len(ids)
