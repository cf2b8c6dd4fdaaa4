"""The outbox: the notifications the sweep recorded as owed, written as rows.

The protocol's sweep records on each deadline, in the UPDATE that breaches it, the
notification it owes (`Deadline.pending_notification`), so a breach and its notification
are recorded together or not at all (decision 0004). `write_owed_notifications` writes
the rows. Every row is unique on `dedupe_key` (cause, recipient, channel): a second
sweep, a retried task or two writers at once write nothing twice. The path from a breach
to a delivered e-mail is read top to bottom in notifications/tasks.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from core.history import label_engine_transaction
from notifications.messages import Message, deadline_messages
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from notifications.recipients import Directory
from protocol.models import Deadline, Status


def dedupe_key(kind: str, deadline_id: int, user_id: int, channel: str) -> str:
    """One notification per (cause, recipient, channel). write_outbox builds the same
    text in SQL: keep the two in step."""
    return f"{kind}:deadline:{deadline_id}:user:{user_id}:{channel}"


_WRITE_OUTBOX = """
    INSERT INTO {table} (recipient_id, channel, kind, child_id, deadline_id, episode_id, dedupe_key,
                         subject, body, url, created_at, status, attempts, next_attempt_at,
                         last_error)
    SELECT r.recipient_id, r.channel, m.kind, m.child_id, m.deadline_id, m.episode_id,
           m.kind || ':' || m.cause || ':user:' || r.recipient_id || ':' || r.channel,
           CASE WHEN r.channel = %(email)s THEN m.email_subject ELSE m.subject END,
           CASE WHEN r.channel = %(email)s THEN m.email_body ELSE m.body END,
           m.url, %(now)s, %(pending)s, 0, %(now)s, ''
    FROM unnest(%(message)s::integer[], %(recipient)s::bigint[], %(channel)s::text[])
         AS r(message, recipient_id, channel)
    JOIN unnest(%(kind)s::text[], %(child)s::bigint[], %(deadline)s::bigint[],
                %(subject)s::text[], %(body)s::text[], %(url)s::text[],
                %(email_subject)s::text[], %(email_body)s::text[], %(cause)s::text[],
                %(episode)s::bigint[])
         WITH ORDINALITY AS m(kind, child_id, deadline_id, subject, body, url,
                              email_subject, email_body, cause, episode_id, message)
         USING (message)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
"""


def write_outbox(messages: Sequence[Message], *, now: dt.datetime) -> list[int]:
    """Insert the messages' rows into the outbox, skipping any whose dedupe_key is
    already there. Returns the ids of the rows actually written.

    One statement for the lot: each message's text goes once, its recipients as arrays,
    and SQL joins them, so 80,000 rows are one round trip of a few megabytes, and
    `ON CONFLICT DO NOTHING RETURNING id` says which were new. The parameters are bound
    by the server (psycopg's own cursor), not spliced into the SQL text.
    """
    recipients = [
        (index, user_id, channel)
        for index, message in enumerate(messages, start=1)
        for user_id, channel in message.recipients
    ]
    if not recipients:
        return []
    params = {
        "now": now,
        "pending": DeliveryStatus.PENDING.value,
        "message": [index for index, _, _ in recipients],
        "recipient": [user_id for _, user_id, _ in recipients],
        "channel": [str(channel) for _, _, channel in recipients],
        "kind": [str(m.kind) for m in messages],
        "child": [m.child_id for m in messages],
        "deadline": [m.deadline_id for m in messages],
        "subject": [m.subject for m in messages],
        "body": [m.body for m in messages],
        "url": [m.url for m in messages],
        # E-mail rows carry the text that does not name the child (messages.compose_email).
        "email": Channel.EMAIL.value,
        "email_subject": [m.email_subject for m in messages],
        "email_body": [m.email_body for m in messages],
        "cause": [m.dedupe_cause for m in messages],
        "episode": [m.episode_id for m in messages],
    }
    sql = _WRITE_OUTBOX.format(table=connection.ops.quote_name(Notification._meta.db_table))
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# Deadlines whose notifications are written per transaction.
WRITE_BATCH = 2500

# The columns the writer reads: the messages (notifications/messages.py `compose`,
# `compose_email`), the recipients (notifications/recipients.py) and `still_owed`. The
# child and episode rows are wide and the writer loads thousands a batch, so only these
# are fetched. A field read but not listed here would cost a query per deadline:
# tests/protocol/test_sweep.py checks the writer's queries do not grow with the batch.
WRITER_FIELDS = (
    "child",
    "episode",
    "owner_team",
    "rule",
    "status",
    "due_at",
    "breached_at",
    "owner_role",
    "reason",
    "pending_notification",
    "child__given_name",
    "child__family_name",
    "child__responsible_authority",
    "episode__last_seen_at",
    "episode__police_force",
)


def write_owed_notifications(
    *,
    now: dt.datetime | None = None,
    batch_size: int = WRITE_BATCH,
    then: Callable[[list[int]], None] | None = None,
) -> int:
    """Write the notifications the sweep recorded as owed (`Deadline.pending_notification`)
    to the outbox, and clear the mark, one batch per transaction; `then(ids)` runs after
    each batch commits (the task that called this hands the rows to delivery).

    Safe on any number of workers at once: deadlines are claimed with SKIP LOCKED and the
    outbox is unique on dedupe_key. Returns how many notifications were written.
    """
    written = 0
    while True:
        with transaction.atomic():
            batch = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .exclude(pending_notification="")
                .select_related("child", "episode")
                .only(*WRITER_FIELDS)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return written
            label_engine_transaction()
            directory = Directory.for_deadlines(batch)
            messages = deadline_messages(
                [
                    (deadline, deadline.pending_notification)
                    for deadline in batch
                    if still_owed(deadline)
                ],
                directory,
            )
            # Cleared before the outbox insert: the same UPDATE after it is several times
            # slower (measured in bench/sweep.py), and it is one transaction either way.
            Deadline.objects.filter(pk__in=[deadline.pk for deadline in batch]).update(
                pending_notification=""
            )
            ids = write_outbox(messages, now=now or timezone.now())
            if ids and then is not None:
                # Delivery is handed the rows only once they are committed.
                transaction.on_commit(partial(then, ids))
            written += len(ids)


def still_owed(deadline: Deadline) -> bool:
    """Whether what the sweep recorded still stands: a breach undone since (a corrected
    return time moved the due time past it) is not announced; nor is a warning for a
    deadline no longer open."""
    kind = deadline.pending_notification
    if kind in (Kind.BREACHED, Kind.RECLASSIFIED):
        return deadline.breached_at is not None
    if kind == Kind.DUE_SOON:
        return deadline.status == Status.OPEN
    return True
