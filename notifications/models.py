"""The outbox: every notification Homeward sends, written in the transaction that causes it."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from children.models import Child
from episodes.models import Episode
from protocol.models import Deadline


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "E-mail"


class Kind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    BREACHED = "breached", "Deadline breached"
    ESCALATION = "escalation", "Escalation"
    RECLASSIFIED = "reclassified", "Episode reclassified"
    INFORMATION = "information", "Information"
    # PROTOCOL.md "Who is told" (issue 15): the moments the protocol names, not deadlines.
    EPISODE_REPORTED = "reported", "Child reported missing"
    CHILD_RETURNED = "returned", "Child returned"
    DIGEST = "digest", "Daily digest"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    # Not sent: the state it announced had ended before delivery (decision 0018).
    WITHDRAWN = "withdrawn", "Withdrawn (the state it announced had ended)"


# Tracked (decision 0016): written, claimed, sent, failed, read. Not the subject and body,
# which the row keeps: a copy per delivery attempt would only multiply them.
# The outbox writer inserts tens of thousands of rows a batch: their insert events are
# written by one statement-level trigger (one INSERT ... SELECT from the transition table
# a statement) instead of a trigger call per row; the same event rows either way
# (decision 0022). Updates and deletes keep the row-level triggers.
#
# The event rows' copies of the deadline, episode and recipient are not indexed (decision
# 0025): nothing reads the events by them, and the writer inserts tens of thousands of
# events a sweep. The child is (the record's history reads every event of a child).
def _unindexed_copy(model: str | type[models.Model], *, null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        model,
        blank=null,
        null=null,
        db_constraint=False,
        db_index=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
        related_query_name="+",
    )


@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["subject", "body"],
    attrs={
        "deadline": _unindexed_copy(Deadline, null=True),
        "episode": _unindexed_copy(Episode, null=True),
        "recipient": _unindexed_copy(settings.AUTH_USER_MODEL, null=False),
    },
)
class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    deadline = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # The episode it is about, if any: delivery withdraws a message about a missing child
    # once the child is back (decision 0018).
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # One notification per (cause, recipient, channel): a second sweep or a retried task
    # hits this unique key (`notification_dedupe_key`, below) instead of telling someone
    # twice.
    dedupe_key = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    # No index of its own: every query that reads by time is one person's (the inbox, the
    # digest: `notification_inbox`), and the writer inserts 80,000 rows at a time.
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # A constraint, not `unique=True`: that would also build a `varchar_pattern_ops`
        # copy of the index for LIKE, which no query uses and every outbox INSERT would
        # write (decision 0022). The writer's `ON CONFLICT (dedupe_key)` infers this one.
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notification_outbox",
            ),
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(channel="in_app"),
                name="notification_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}: {self.subject}"


class Moment(models.TextChoices):
    REPORTED = "reported", "Reported"
    RETURNED = "returned", "Returned"


class Announcement(models.Model):
    """A moment of an episode the protocol says people are told of (PROTOCOL.md "Who is
    told"), once announced: written with its outbox rows in one transaction, so each moment
    is announced once, whoever it went to (nobody, if it had already ended)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    moment = models.CharField(max_length=10, choices=Moment.choices)
    announced_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "moment"], name="announcement_once")
        ]

    def __str__(self) -> str:
        return f"Episode {self.episode_id} {self.moment} announced"


# Kinds every recipient gets by e-mail too, whatever they chose (issue 15): a child missing
# now, an escalation, an absent child now missing. The rest each person may take in-app
# only, or in a daily digest e-mail.
URGENT_KINDS = frozenset({Kind.EPISODE_REPORTED, Kind.ESCALATION, Kind.RECLASSIFIED})
CHOOSABLE_KINDS = (Kind.DUE_SOON, Kind.BREACHED, Kind.CHILD_RETURNED)


class Delivery(models.TextChoices):
    EMAIL = "email", "In Homeward and by e-mail, each time"
    IN_APP = "in_app", "In Homeward only"
    DIGEST = "digest", "In Homeward, and in one e-mail a day"


class NotificationPreference(models.Model):
    """How one person takes one kind of message (no row: in-app and e-mail each time)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_one_per_kind"),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(str(kind) for kind in URGENT_KINDS)),
                name="preference_not_for_urgent_kinds",
                violation_error_message="Urgent messages cannot be switched off.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"
