"""The outbox: the notifications the sweep recorded as owed, written as rows.

The protocol's sweep records on each deadline, in the UPDATE that breaches it, the
notification it owes (`Deadline.pending_notification`), so a breach and its notification
are recorded together or not at all (decision 0004). `write_owed_notifications` writes
the rows. Every row is unique on `dedupe_key` (cause, recipient, channel): a second
sweep, a retried task or two writers at once write nothing twice. The path from a breach
to a delivered e-mail is read top to bottom in notifications/tasks.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from children.models import Child
from core.history import label_engine_transaction
from notifications.messages import Message, deadline_messages
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from notifications.recipients import DeadlineFacts, Directory
from protocol.models import Deadline, Status


def dedupe_key(kind: str, deadline_id: int, user_id: int, channel: str) -> str:
    """One notification per (cause, recipient, channel). write_outbox builds the same
    text in SQL: keep the two in step."""
    return f"{kind}:deadline:{deadline_id}:user:{user_id}:{channel}"


# The arrays go in binary (`%(name)b`): psycopg writes 80,000 elements in a tenth of the
# time it takes to quote them into the SQL text.
_WRITE_OUTBOX = """
    INSERT INTO {table} (recipient_id, channel, kind, child_id, deadline_id, episode_id, dedupe_key,
                         subject, body, url, created_at, status, attempts, next_attempt_at,
                         last_error)
    SELECT r.recipient_id, r.channel, m.kind, m.child_id, m.deadline_id, m.episode_id,
           m.kind || ':' || m.cause || ':user:' || r.recipient_id || ':' || r.channel,
           CASE WHEN r.channel = %(email)s THEN m.email_subject ELSE m.subject END,
           CASE WHEN r.channel = %(email)s THEN m.email_body ELSE m.body END,
           m.url, %(now)s, %(pending)s, 0, %(now)s, ''
    FROM unnest(%(message)b::integer[], %(recipient)b::bigint[], %(channel)b::text[])
         AS r(message, recipient_id, channel)
    JOIN unnest(%(kind)b::text[], %(child)b::bigint[], %(deadline)b::bigint[],
                %(subject)b::text[], %(body)b::text[], %(url)b::text[],
                %(email_subject)b::text[], %(email_body)b::text[], %(cause)b::text[],
                %(episode)b::bigint[])
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
    by the server (a psycopg `Cursor`, not the `ClientCursor` Django's connection makes),
    not spliced into the SQL text.
    """
    message_of: list[int] = []
    recipient: list[int] = []
    channel: list[str] = []
    for index, message in enumerate(messages, start=1):
        for user_id, on in message.recipients:
            message_of.append(index)
            recipient.append(user_id)
            channel.append(str(on))
    if not recipient:
        return []
    params = {
        "now": now,
        "pending": DeliveryStatus.PENDING.value,
        "message": message_of,
        "recipient": recipient,
        "channel": channel,
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
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# Deadlines whose notifications are written per transaction.
WRITE_BATCH = 2500

# The columns the writer reads: the messages (notifications/messages.py `compose`,
# `compose_email`), the recipients (notifications/recipients.py) and `still_owed`, in the
# order `OwedDeadline.from_row` takes them. The child and episode rows are wide and the
# writer loads thousands a batch, so only these are fetched, as plain values: building
# Deadline, Child and Episode instances took longer than the query (0.8 s for 30,000 in
# bench/sweep.py). tests/protocol/test_sweep.py checks the writer's queries do not grow
# with the batch.
WRITER_FIELDS = (
    "pk",
    "rule",
    "child",
    "episode",
    "owner_team",
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


@dataclasses.dataclass(slots=True)
class OwedChild:
    given_name: str
    family_name: str
    responsible_authority_id: int

    # The name as Homeward writes it everywhere (children.models.Child.full_name).
    full_name = Child.full_name


@dataclasses.dataclass(slots=True)
class OwedEpisode:
    last_seen_at: dt.datetime
    police_force_id: int | None


@dataclasses.dataclass(slots=True)
class OwedDeadline:
    """What the writer reads of a deadline that owes notifications, with its child and
    episode: the attributes of a Deadline that messages and recipients use
    (`recipients.DeadlineFacts`)."""

    pk: int
    rule: str
    child_id: int
    episode_id: int | None
    owner_team_id: int | None
    status: str
    due_at: dt.datetime
    breached_at: dt.datetime | None
    owner_role: str
    reason: str
    pending_notification: str
    child: OwedChild
    episode: OwedEpisode | None

    @classmethod
    def from_row(cls, row: tuple) -> OwedDeadline:
        """From a row of `WRITER_FIELDS`."""
        (pk, rule, child_id, episode_id, owner_team_id, status, due_at, breached_at) = row[:8]
        (owner_role, reason, pending_notification, given_name, family_name) = row[8:13]
        (authority_id, last_seen_at, police_force_id) = row[13:]
        return cls(
            pk,
            rule,
            child_id,
            episode_id,
            owner_team_id,
            status,
            due_at,
            breached_at,
            owner_role,
            reason,
            pending_notification,
            OwedChild(given_name, family_name, authority_id),
            None if episode_id is None else OwedEpisode(last_seen_at, police_force_id),
        )


_CLEAR_OWED = "UPDATE {table} SET pending_notification = '' WHERE id = ANY(%s)"


def write_owed_notifications(
    *,
    now: dt.datetime | None = None,
    batch_size: int = WRITE_BATCH,
    then: Callable[[list[int]], None] | None = None,
    writers: int | None = None,
) -> int:
    """Write the notifications the sweep recorded as owed (`Deadline.pending_notification`)
    to the outbox, and clear the mark, one batch per transaction; `then(ids)` runs after
    each batch commits (the task that called this hands the rows to delivery).

    `writers` (default `settings.NOTIFICATION_WRITERS`) threads write batches at once,
    each on its own database connection: most of a batch's time is the database's
    (the outbox INSERT and its indexes, the owed marks cleared, the deferred foreign-key
    checks at commit), which a second connection does on another core while the first
    works out its recipients in Python (decision 0022). Inside a caller's transaction
    one writer does it all: another connection would not see what that transaction
    marked as owed.

    Safe on any number of workers at once: deadlines are claimed with SKIP LOCKED and the
    outbox is unique on dedupe_key. Returns how many notifications were written.
    """
    writers = settings.NOTIFICATION_WRITERS if writers is None else writers
    if writers <= 1 or connection.in_atomic_block:
        return _write_batches(now=now, batch_size=batch_size, then=then)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="outbox-writer") as pool:
        running = [
            pool.submit(_write_batches_on_own_connection, now=now, batch_size=batch_size, then=then)
            for _ in range(writers)
        ]
        # Every writer finishes (or fails) before this returns; the first failure is raised.
        return sum(writer.result() for writer in running)


def _write_batches_on_own_connection(**kwargs) -> int:
    try:
        return _write_batches(**kwargs)
    finally:
        # The thread's connection is its own (Django's connections are per thread).
        connection.close()


def _write_batches(
    *, now: dt.datetime | None, batch_size: int, then: Callable[[list[int]], None] | None
) -> int:
    """One writer: claim a batch of owed deadlines, write its rows, clear its marks, commit;
    until none is left that another writer has not claimed."""
    written = 0
    clear_owed = _CLEAR_OWED.format(table=connection.ops.quote_name(Deadline._meta.db_table))
    while True:
        with transaction.atomic():
            batch = [
                OwedDeadline.from_row(row)
                for row in Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .exclude(pending_notification="")
                .order_by("pk")
                .values_list(*WRITER_FIELDS)[:batch_size]
            ]
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
            with connection.cursor() as cursor:
                cursor.execute(clear_owed, [[deadline.pk for deadline in batch]])
            ids = write_outbox(messages, now=now or timezone.now())
            if ids and then is not None:
                # Delivery is handed the rows only once they are committed.
                transaction.on_commit(partial(then, ids))
            written += len(ids)


def still_owed(deadline: DeadlineFacts) -> bool:
    """Whether what the sweep recorded still stands: a breach undone since (a corrected
    return time moved the due time past it) is not announced; nor is a warning for a
    deadline no longer open."""
    kind = deadline.pending_notification
    if kind in (Kind.BREACHED, Kind.RECLASSIFIED):
        return deadline.breached_at is not None
    if kind == Kind.DUE_SOON:
        return deadline.status == Status.OPEN
    return True
