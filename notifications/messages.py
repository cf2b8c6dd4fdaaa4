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
from collections.abc import Iterable

from django.conf import settings

from core.clock import LONDON
from notifications.models import Channel, Kind
from notifications.recipients import Directory, recipient_ids
from protocol.conf import protocol_settings
from protocol.models import Deadline, Rule


def london_time(instant: dt.datetime) -> str:
    """'14:00 on 3 March': how a deadline reads in a notification (shown in UK time)."""
    local = instant.astimezone(LONDON)
    return f"{local:%H:%M} on {local.day} {local:%B}"


def child_path(child_id: int) -> str:
    return f"/children/{child_id}/"


def child_reference(child_id: int) -> str:
    """How an e-mail names a child's record: an opaque reference, not the child."""
    return f"HW-{child_id}"


def compose_email(deadline: Deadline, kind: str) -> tuple[str, str]:
    """Subject and body of the e-mail about `deadline`: the rule, the time, the record's
    reference and a link; nothing that identifies the child."""
    reference = child_reference(deadline.child_id)
    rule = Rule(deadline.rule).label
    due = london_time(deadline.due_at)
    link = f"{settings.SITE_URL.rstrip('/')}{child_path(deadline.child_id)}"
    if kind == Kind.DUE_SOON:
        subject = f"Due soon: {rule}, record {reference}, due {due}"
        opening = f"The {rule.lower()} for the child of record {reference} is due {due}."
    elif kind == Kind.ESCALATION:
        hours = f"{protocol_settings().manager_escalation_hours:g}"
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
    """What one deadline's notification says (in the app; by e-mail, without naming the
    child), and the (user id, channel) pairs it goes to."""

    kind: str
    child_id: int
    deadline_id: int
    subject: str
    body: str
    url: str
    recipients: tuple[tuple[int, str], ...]
    email_subject: str
    email_body: str


def deadline_messages(
    deadlines: Iterable[tuple[Deadline, str]], directory: Directory
) -> list[Message]:
    """One in-app row per recipient, and an e-mail row for those with an address."""
    messages = []
    for deadline, kind in deadlines:
        subject, body = compose(deadline, kind)
        email_subject, email_body = compose_email(deadline, kind)
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
                email_subject=email_subject,
                email_body=email_body,
            )
        )
    return messages
