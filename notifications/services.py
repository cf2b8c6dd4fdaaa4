"""Who is told, what they are told, and the outbox they are told through.

The protocol's sweep records on each deadline, in the UPDATE that breaches it, the
notifications it owes (`Deadline.pending_notification`), so a breach and its
notification are recorded together or not at all (ARCHITECTURE.md "How data flows" 4);
`write_owed_notifications`, run by a worker straight after, writes the rows. Recipients for a whole batch of deadlines come from
a `Directory` built in a handful of set-based queries, never one query per deadline.

Every notification row is unique on `dedupe_key` (cause, recipient, channel): a second
sweep, a retried task or two sweeps at once write nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Membership, Role, User
from children.models import Allocation
from core.clock import LONDON
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from protocol.conf import protocol_settings
from protocol.models import Deadline, Rule, Status

logger = logging.getLogger(__name__)

# Roles that serve a whole local authority, looked up by the child's responsible authority.
AUTHORITY_ROLES = (
    Role.MISSING_COORDINATOR,
    Role.SENIOR_MANAGER,
    Role.MASH_TRIAGE,
    Role.RETURN_INTERVIEW_OFFICER,
)

# Who else a breach goes to, beyond the worker, team manager, Missing Co-ordinator and the
# rule's owner: the police liaison officers of the episode's force when an absent child
# becomes missing (Haringey protocol 6.2: "the worker and police liaison are told").
BREACH_EXTRA_ROLES: dict[str, tuple[str, ...]] = {
    Rule.ABSENT_REVIEW: (Role.POLICE_LIAISON,),
    Rule.SAFE_AND_WELL_CHECK: (Role.POLICE_LIAISON,),
    Rule.RISK_ASSESSMENT: (Role.MASH_TRIAGE,),
    Rule.RETURN_INTERVIEW: (Role.RETURN_INTERVIEW_OFFICER,),
    # Haringey protocol 15.1, 18.6: a looked-after child missing 24 hours is escalated to
    # the team manager, the Missing Co-ordinator and the Assistant Director.
    Rule.MANAGER_ESCALATION: (Role.SENIOR_MANAGER,),
}

# Enqueued in groups, not one task per row: a sweep after an outage may write tens of
# thousands of rows, and one broker round trip per row would take longer than the sweep.
DELIVERY_CHUNK = 500


def london_time(instant: dt.datetime) -> str:
    """'14:00 on 3 March': how a deadline reads in a notification (shown in UK time)."""
    local = instant.astimezone(LONDON)
    return f"{local:%H:%M} on {local.day} {local:%B}"


def child_path(child_id: int) -> str:
    return f"/children/{child_id}/"


@dataclasses.dataclass
class Directory:
    """Who holds which role, for the children and forces of a batch of deadlines."""

    workers_by_child: dict[int, set[int]]
    teams_by_child: dict[int, set[int]]
    managers_by_team: dict[int, set[int]]
    holders: dict[tuple[int, str], set[int]]  # (agency id, role) -> user ids
    emails: dict[int, str]  # active users only; "" when they have no e-mail address

    @classmethod
    def for_deadlines(cls, deadlines: Sequence[Deadline]) -> Directory:
        """Four queries, whatever the number of deadlines."""
        child_ids = {d.child_id for d in deadlines}
        workers_by_child: dict[int, set[int]] = defaultdict(set)
        teams_by_child: dict[int, set[int]] = defaultdict(set)
        for child_id, team_id, worker_id in Allocation.objects.filter(
            child_id__in=child_ids, ended_at__isnull=True
        ).values_list("child_id", "team_id", "worker_id"):
            teams_by_child[child_id].add(team_id)
            if worker_id is not None:
                workers_by_child[child_id].add(worker_id)
        team_ids = {d.owner_team_id for d in deadlines if d.owner_team_id}
        for teams in teams_by_child.values():
            team_ids |= teams
        authority_ids = {d.child.responsible_authority_id for d in deadlines}
        force_ids = {
            d.episode.police_force_id
            for d in deadlines
            if d.episode is not None and d.episode.police_force_id
        }

        managers_by_team: dict[int, set[int]] = defaultdict(set)
        for team_id, user_id in Membership.objects.filter(
            team_id__in=team_ids, role=Role.TEAM_MANAGER, is_active=True
        ).values_list("team_id", "user_id"):
            managers_by_team[team_id].add(user_id)
        holders: dict[tuple[int, str], set[int]] = defaultdict(set)
        memberships = Membership.objects.filter(
            is_active=True, team__agency_id__in=authority_ids, role__in=AUTHORITY_ROLES
        ).values_list("team__agency_id", "role", "user_id")
        police = Membership.objects.filter(
            is_active=True, team__agency_id__in=force_ids, role=Role.POLICE_LIAISON
        ).values_list("team__agency_id", "role", "user_id")
        for agency_id, role, user_id in [*memberships, *police]:
            holders[(agency_id, role)].add(user_id)

        user_ids = set().union(
            *workers_by_child.values(), *managers_by_team.values(), *holders.values()
        )
        emails = dict(
            User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email")
        )
        return cls(workers_by_child, teams_by_child, managers_by_team, holders, emails)

    def role_holders(self, deadline: Deadline, role: str) -> set[int]:
        if role == Role.POLICE_LIAISON:
            force_id = deadline.episode.police_force_id if deadline.episode is not None else None
            return self.holders.get((force_id, role), set()) if force_id else set()
        if role == Role.TEAM_MANAGER:
            return self.team_managers(deadline)
        if role == Role.SOCIAL_WORKER:
            return self.workers_by_child.get(deadline.child_id, set())
        return self.holders.get((deadline.child.responsible_authority_id, role), set())

    def team_managers(self, deadline: Deadline) -> set[int]:
        teams = (
            {deadline.owner_team_id}
            if deadline.owner_team_id
            else self.teams_by_child.get(deadline.child_id, set())
        )
        return set().union(*(self.managers_by_team.get(team, set()) for team in teams))


def recipient_ids(deadline: Deadline, kind: str, directory: Directory) -> list[int]:
    """Who is told about `deadline` (PROTOCOL.md "owner"; ARCHITECTURE.md "Notifications").

    A due-soon warning goes to the people who can still meet the deadline: the allocated
    worker and the holders of the rule's owner role. A breach or an escalation also goes
    to the team manager and the Missing Co-ordinator, plus the rule's extra roles
    (`BREACH_EXTRA_ROLES`). Inactive users are never told.
    """
    people = set(directory.workers_by_child.get(deadline.child_id, set()))
    people |= directory.role_holders(deadline, deadline.owner_role)
    if kind != Kind.DUE_SOON:
        people |= directory.team_managers(deadline)
        people |= directory.role_holders(deadline, Role.MISSING_COORDINATOR)
        for role in BREACH_EXTRA_ROLES.get(deadline.rule, ()):
            people |= directory.role_holders(deadline, role)
    return sorted(person for person in people if person in directory.emails)


def compose(deadline: Deadline, kind: str) -> tuple[str, str]:
    """Subject and body, in plain English, for a notification about `deadline`."""
    child = deadline.child.full_name
    rule = Rule(deadline.rule).label
    due = london_time(deadline.due_at)
    link = f"{settings.SITE_URL.rstrip('/')}{child_path(deadline.child_id)}"
    if kind == Kind.DUE_SOON:
        subject = f"Due soon: {rule} for {child}, due {due}"
        opening = f"The {rule.lower()} for {child} is due {due}."
    elif kind == Kind.ESCALATION:
        hours = f"{protocol_settings().manager_escalation_hours:g}"
        last_seen = (
            london_time(deadline.episode.last_seen_at)
            if deadline.episode is not None
            else "unknown"
        )
        subject = f"Escalation: {child}, a looked-after child, has been missing {hours} hours"
        opening = (
            f"{child} is looked after and has been missing since {last_seen} (last seen). "
            "Under the missing children protocol (Haringey 15.1, 18.6) the team manager, the "
            "Missing Co-ordinator and the Assistant Director are told."
        )
    elif kind == Kind.RECLASSIFIED:
        subject = f"Absent episode now missing: {child}"
        opening = (
            f"No contact with {child} was recorded by {due}, within 24 hours of last being seen, "
            "so the absent episode has been reclassified as missing automatically (Haringey "
            "protocol 6.2). Make sure police know the child is missing."
        )
    else:
        subject = f"Overdue: {rule} for {child}, was due {due}"
        opening = f"The {rule.lower()} for {child} was due {due} and has not been recorded."
    body = f"{opening}\n\nWhy this deadline applies: {deadline.reason}\n\nOpen {child}'s record: {link}\n"
    return subject, body


@dataclasses.dataclass(frozen=True)
class Message:
    """What one deadline's notification says, and the (user id, channel) it goes to."""

    kind: str
    child_id: int
    deadline_id: int
    subject: str
    body: str
    url: str
    recipients: tuple[tuple[int, str], ...]


def deadline_messages(
    deadlines: Iterable[tuple[Deadline, str]], directory: Directory
) -> list[Message]:
    """One in-app row per recipient, and an e-mail row for those with an address."""
    messages = []
    for deadline, kind in deadlines:
        subject, body = compose(deadline, kind)
        recipients: list[tuple[int, str]] = []
        for user_id in recipient_ids(deadline, kind, directory):
            recipients.append((user_id, Channel.IN_APP))
            if directory.emails.get(user_id):
                recipients.append((user_id, Channel.EMAIL))
        messages.append(
            Message(
                kind=kind,
                child_id=deadline.child_id,
                deadline_id=deadline.pk,
                subject=subject,
                body=body,
                url=child_path(deadline.child_id),
                recipients=tuple(recipients),
            )
        )
    return messages


def dedupe_key(kind: str, deadline_id: int, user_id: int, channel: str) -> str:
    """One notification per (cause, recipient, channel). write_outbox builds the same
    text in SQL: keep the two in step."""
    return f"{kind}:deadline:{deadline_id}:user:{user_id}:{channel}"


_WRITE_OUTBOX = """
    INSERT INTO {table} (recipient_id, channel, kind, child_id, deadline_id, dedupe_key,
                         subject, body, url, created_at, status, attempts, next_attempt_at,
                         last_error)
    SELECT r.recipient_id, r.channel, m.kind, m.child_id, m.deadline_id,
           m.kind || ':deadline:' || m.deadline_id || ':user:' || r.recipient_id || ':' || r.channel,
           m.subject, m.body, m.url, %(now)s, %(pending)s, 0, %(now)s, ''
    FROM unnest(%(message)s::integer[], %(recipient)s::bigint[], %(channel)s::text[])
         AS r(message, recipient_id, channel)
    JOIN unnest(%(kind)s::text[], %(child)s::bigint[], %(deadline)s::bigint[],
                %(subject)s::text[], %(body)s::text[], %(url)s::text[])
         WITH ORDINALITY AS m(kind, child_id, deadline_id, subject, body, url, message)
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
    }
    sql = _WRITE_OUTBOX.format(table=connection.ops.quote_name(Notification._meta.db_table))
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# Deadlines whose notifications are written per transaction.
WRITE_BATCH = 2500


def write_owed_notifications(
    *, now: dt.datetime | None = None, batch_size: int = WRITE_BATCH
) -> int:
    """Write the notifications the sweep recorded as owed (`Deadline.pending_notification`)
    to the outbox, and clear the mark, one batch per transaction; deliver after commit.

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
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return written
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
            if ids:
                transaction.on_commit(partial(enqueue_delivery, ids))
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


def enqueue_notification_writing() -> None:
    """Ask a worker to write what the sweep recorded as owed. If the broker is down, the
    periodic `deliver_pending` writes it: the ledger, not the broker, is the record."""
    from notifications.tasks import write_notifications  # tasks sit above services

    try:
        write_notifications.delay()
    except Exception:  # the broker is unreachable: deliver_pending will catch up
        logger.warning("Could not enqueue the writing of owed notifications", exc_info=True)


def enqueue_delivery(notification_ids: Sequence[int]) -> None:
    """Hand new rows to the workers. If the broker is down the rows stay pending and the
    periodic `deliver_pending` sends them: the outbox, not the broker, is the record."""
    from notifications.tasks import deliver_batch  # tasks sit above services

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


# --- Delivery ------------------------------------------------------------------------

# An e-mail row is claimed by pushing its next attempt this far ahead, in one conditional
# UPDATE, before anything is sent: a second worker cannot claim it meanwhile. If the
# worker dies before sending, the row becomes claimable again when the lease runs out.
# If it dies after sending but before marking the row sent, the e-mail goes again after
# the lease: that window (one SMTP reply to one UPDATE) is the only at-least-once gap.
CLAIM_LEASE = dt.timedelta(minutes=10)


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
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            connection=mail_connection,
            # Lets a mail log be matched to its outbox row (and a duplicate be spotted).
            headers={"X-Homeward-Notification": str(notification.pk)},
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
    """Deliver several, sharing one mail connection. Returns counts by outcome."""
    counts: dict[str, int] = defaultdict(int)
    mail_connection = get_connection()
    try:
        for notification_id in notification_ids:
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
