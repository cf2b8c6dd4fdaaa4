"""What people are told: the subject, body and link of each deadline's notification,
and the (recipient, channel) pairs it goes to (in-app always, e-mail where they have an
address). Times read in UK time.

E-mail leaves the building (mail relays, phones, GOV.UK Notify's logs), so an e-mail
never says who the child is: no name, date of birth, placement or deadline reason (a
reason can name the child), only the record's reference and a link to it on SITE_URL,
behind sign-in (decision 0017). The in-app text, read inside Homeward, names the child."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable

from django.conf import settings

from core.clock import LONDON
from notifications.models import Channel, Kind
from notifications.recipients import DeadlineFacts, Directory, email_declined, recipient_ids
from protocol.conf import protocol_settings
from protocol.models import Rule


# Kept for the instants of a batch: a deadline's due time is written twice (in-app and
# e-mail), and the deadlines of one rule breached in one sweep share their due times.
@functools.lru_cache(maxsize=4096)
def london_time(instant: dt.datetime) -> str:
    """'14:00 on 3 March': how a deadline reads in a notification (shown in UK time)."""
    local = instant.astimezone(LONDON)
    return f"{local:%H:%M} on {local.day} {local:%B}"


def child_path(child_id: int) -> str:
    return f"/children/{child_id}/"


def child_reference(child_id: int) -> str:
    """How an e-mail names a child's record: an opaque reference, not the child."""
    return f"HW-{child_id}"


def escalation_hours() -> str:
    """How long a looked-after child has been missing when the manager escalation is due."""
    return f"{protocol_settings().manager_escalation_hours:g}"


def compose_email(
    deadline: DeadlineFacts, kind: str, *, hours: str | None = None
) -> tuple[str, str]:
    """Subject and body of the e-mail about `deadline`: the rule, the time, the record's
    reference and a link; nothing that identifies the child. `hours`: escalation_hours(),
    if the caller has it already."""
    reference = child_reference(deadline.child_id)
    rule = Rule(deadline.rule).label
    due = london_time(deadline.due_at)
    link = f"{settings.SITE_URL.rstrip('/')}{child_path(deadline.child_id)}"
    if kind == Kind.DUE_SOON:
        subject = f"Due soon: {rule}, record {reference}, due {due}"
        opening = f"The {rule.lower()} for the child of record {reference} is due {due}."
    elif kind == Kind.ESCALATION:
        hours = hours or escalation_hours()
        subject = f"Escalation: a looked-after child, record {reference}, missing {hours} hours"
        opening = (
            f"A looked-after child (record {reference}) has been missing {hours} hours. Under "
            "the missing children protocol (Haringey 15.1, 18.6) the team manager, the "
            "Missing Co-ordinator and the Assistant Director are told."
        )
    elif kind == Kind.RECLASSIFIED:
        subject = f"Absent episode now missing: record {reference}"
        opening = (
            f"No contact with the child of record {reference} was recorded by {due}, within "
            "24 hours of last being seen, so the absent episode has been reclassified as "
            "missing automatically (Haringey protocol 6.2). Make sure police know the child "
            "is missing."
        )
    else:
        subject = f"Overdue: {rule}, record {reference}, was due {due}"
        opening = (
            f"The {rule.lower()} for the child of record {reference} was due {due} and has "
            "not been recorded."
        )
    body = (
        f"{opening}\n\nOpen the record (sign-in needed): {link}\n\n"
        "Homeward's e-mails never name the child: the record has the details.\n"
    )
    return subject, body


def compose(deadline: DeadlineFacts, kind: str, *, hours: str | None = None) -> tuple[str, str]:
    """Subject and body, in plain English, for a notification about `deadline`. `hours`:
    escalation_hours(), if the caller has it already."""
    child = deadline.child.full_name
    rule = Rule(deadline.rule).label
    due = london_time(deadline.due_at)
    link = f"{settings.SITE_URL.rstrip('/')}{child_path(deadline.child_id)}"
    if kind == Kind.DUE_SOON:
        subject = f"Due soon: {rule} for {child}, due {due}"
        opening = f"The {rule.lower()} for {child} is due {due}."
    elif kind == Kind.ESCALATION:
        hours = hours or escalation_hours()
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
    """What one deadline's (or one episode moment's) notification says: in the app, and
    by e-mail without naming the child; and the (user id, channel) pairs it goes to.
    `cause` names what it is about in the dedupe key: "deadline:ID" for a deadline,
    "episode:ID" for a moment of an episode."""

    kind: str
    child_id: int | None
    deadline_id: int | None
    subject: str
    body: str
    url: str
    recipients: tuple[tuple[int, str], ...]
    email_subject: str
    email_body: str
    cause: str = ""
    episode_id: int | None = None

    @property
    def dedupe_cause(self) -> str:
        return self.cause or f"deadline:{self.deadline_id}"


def episode_path(episode_id: int) -> str:
    return f"/episodes/{episode_id}/"


def compose_moment_email(episode, kind: str) -> tuple[str, str]:
    """The e-mail of a moment of an episode: the record's reference and a link; nothing
    that identifies the child (decision 0017)."""
    reference = child_reference(episode.child_id)
    link = f"{settings.SITE_URL.rstrip('/')}{episode_path(episode.pk)}"
    if kind == Kind.CHILD_RETURNED:
        subject = f"Returned: the child of record {reference} is back"
        opening = (
            f"The child of record {reference}, reported missing, returned at "
            f"{london_time(episode.returned_at)}. You were told when the episode was "
            "reported, so you are told the child is back."
        )
    else:
        subject = f"Reported missing: record {reference}"
        opening = (
            f"The child of record {reference} has been reported "
            f"{episode.get_category_display().lower()}, last seen "
            f"{london_time(episode.last_seen_at)}."
        )
    body = (
        f"{opening}\n\nOpen the episode (sign-in needed): {link}\n\n"
        "Homeward's e-mails never name the child: the record has the details.\n"
    )
    return subject, body


def compose_moment(episode, kind: str, rows: set[str]) -> tuple[str, str]:
    """Subject and body for a moment of an episode (PROTOCOL.md "Who is told")."""
    child = episode.child.full_name
    link = f"{settings.SITE_URL.rstrip('/')}{episode_path(episode.pk)}"
    last_seen = london_time(episode.last_seen_at)
    if kind == Kind.CHILD_RETURNED:
        subject = f"Returned: {child} is back"
        opening = (
            f"{child}, reported missing (last seen {last_seen}), returned at "
            f"{london_time(episode.returned_at)}. You were told when the episode was reported, "
            "so you are told the child is back."
        )
    else:
        subject = f"Reported missing: {child}"
        opening = f"{child} has been reported {episode.get_category_display().lower()}, last seen {last_seen}."
    why = []
    if "at_report" in rows:
        why.append("you work with the child (Haringey protocol 15.1)")
    if "out_of_area" in rows:
        why.append(
            "the child is placed out of area: the host and placing authorities' Missing "
            "Co-ordinators are told (Haringey protocol 15.2, 17.2 to 17.4)"
        )
    if "high_risk" in rows:
        why.append(
            "the child is at high risk: the partner agencies working with the child are told, "
            "to flag the child in their own systems and tell police and children's services "
            "at once if the child comes to their attention (Haringey protocol 18.5)"
        )
    body = f"{opening}\n\nWhy you are told: {'; '.join(why) or 'the missing children protocol'}.\n\nOpen the episode: {link}\n"
    return subject, body


def channels_for(
    user_ids: Iterable[int],
    emails: dict[int, str],
    kind: str = "",
    declined: set[tuple[int, str]] | None = None,
) -> tuple[tuple[int, str], ...]:
    """In-app for everyone, and e-mail for those with an address who have not chosen to
    take this kind in-app only or in the daily digest (`declined`)."""
    pairs: list[tuple[int, str]] = []
    for user_id in sorted(user_ids):
        pairs.append((user_id, Channel.IN_APP))
        if emails.get(user_id) and (user_id, kind) not in (declined or set()):
            pairs.append((user_id, Channel.EMAIL))
    return tuple(pairs)


def deadline_messages(
    deadlines: Iterable[tuple[DeadlineFacts, str]], directory: Directory
) -> list[Message]:
    """One in-app row per recipient, and an e-mail row for those with an address."""
    messages = []
    declined = email_declined(set(directory.emails))
    # Read once for the batch: the settings are validated each time they are read.
    hours = escalation_hours()
    for deadline, kind in deadlines:
        subject, body = compose(deadline, kind, hours=hours)
        email_subject, email_body = compose_email(deadline, kind, hours=hours)
        recipients = channels_for(
            recipient_ids(deadline, kind, directory), directory.emails, kind, declined
        )
        messages.append(
            Message(
                kind=kind,
                child_id=deadline.child_id,
                deadline_id=deadline.pk,
                subject=subject,
                body=body,
                url=child_path(deadline.child_id),
                recipients=recipients,
                email_subject=email_subject,
                email_body=email_body,
                episode_id=deadline.episode_id,
            )
        )
    return messages
