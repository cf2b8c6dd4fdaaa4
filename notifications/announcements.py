"""The moments the protocol names, announced through the outbox (PROTOCOL.md "Who is
told"; Haringey protocol 15.1, 15.2, 17, 18.5): an episode reported, and the child back.

Not deadlines: nothing is owed by a time, people are told that something happened. Each
moment of each episode is announced once (`Announcement`, unique on episode and moment),
in the transaction that writes its outbox rows, so a second run, or two workers at once,
announce nothing twice. The sweep task runs `announce_moments` every minute
(notifications/tasks.py), so a report is announced within a minute, as a breach is.

- Reported: to the episode's audience (`recipients.episode_audiences`), unless the child is
  already back (or the episode entered in error) when it is announced: a state that has
  ended is not announced (decision 0018).
- Returned: to everyone told at the report (the outbox says who), and to everyone who
  would be told of it now (so a report not announced because the child came back first
  still closes the loop).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from agencies.models import User
from episodes.models import Episode
from notifications.messages import (
    Message,
    channels_for,
    compose_moment,
    compose_moment_email,
    episode_path,
)
from notifications.models import Announcement, Channel, Kind, Moment, Notification
from notifications.outbox import write_outbox
from notifications.recipients import EpisodeAudience, email_declined, episode_audiences

# Episodes recorded (or returned) longer ago than this are not announced: the first run
# after an upgrade does not tell everyone of every episode in the database.
LOOKBACK = dt.timedelta(days=2)
BATCH = 500


def _unannounced(moment: str):
    return ~Exists(Announcement.objects.filter(episode=OuterRef("pk"), moment=moment))


def told_at_report(episode_ids: list[int]) -> dict[int, set[int]]:
    """Who was sent the report of each episode (in-app: everyone told has that row)."""
    told: dict[int, set[int]] = {episode_id: set() for episode_id in episode_ids}
    for episode_id, user_id in Notification.objects.filter(
        episode_id__in=episode_ids, kind=Kind.EPISODE_REPORTED, channel=Channel.IN_APP
    ).values_list("episode_id", "recipient_id"):
        told[episode_id].add(user_id)
    return told


def announce_moments(
    *, now: dt.datetime | None = None, then: Callable[[list[int]], None] | None = None
) -> int:
    """Announce every report and return not yet announced. Returns the rows written;
    `then(ids)` runs after each batch commits (the task hands them to delivery)."""
    now = now or timezone.now()
    written = 0
    while True:
        with transaction.atomic():
            recent = Episode.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                awaiting_match=False
            )
            reported = list(
                recent.filter(created_at__gte=now - LOOKBACK)
                .filter(_unannounced(Moment.REPORTED))
                .select_related("child")
                .order_by("pk")[:BATCH]
            )
            returned = list(
                recent.filter(
                    entered_in_error=False,
                    returned_at__isnull=False,
                    returned_at__gte=now - LOOKBACK,
                )
                .filter(_unannounced(Moment.RETURNED))
                .select_related("child")
                .order_by("pk")[:BATCH]
            )
            if not reported and not returned:
                return written
            audiences = episode_audiences(
                list({episode.pk: episode for episode in [*reported, *returned]}.values())
            )
            told = told_at_report([episode.pk for episode in returned])
            emails = _emails(audiences, told)
            declined = email_declined(set(emails))
            messages: list[Message] = []
            marks: list[Announcement] = []
            for episode in reported:
                audience = audiences.get(episode.pk, EpisodeAudience({}))
                live = episode.returned_at is None and not episode.entered_in_error
                people = audience.everyone if live else set()
                if people:
                    messages.append(
                        _message(episode, Kind.EPISODE_REPORTED, audience, people, emails, declined)
                    )
                marks.append(
                    Announcement(
                        episode=episode,
                        moment=Moment.REPORTED,
                        announced_at=now,
                        recipients=len(people),
                    )
                )
            for episode in returned:
                audience = audiences.get(episode.pk, EpisodeAudience({}))
                # Inactive people are never told (`emails` holds active users only).
                people = (audience.everyone | told[episode.pk]) & set(emails)
                if people:
                    messages.append(
                        _message(episode, Kind.CHILD_RETURNED, audience, people, emails, declined)
                    )
                marks.append(
                    Announcement(
                        episode=episode,
                        moment=Moment.RETURNED,
                        announced_at=now,
                        recipients=len(people),
                    )
                )
            Announcement.objects.bulk_create(marks, ignore_conflicts=True)
            ids = write_outbox(messages, now=now)
            if ids and then is not None:
                transaction.on_commit(partial(then, ids))
            written += len(ids)


def _emails(audiences: dict[int, EpisodeAudience], told: dict[int, set[int]]) -> dict[int, str]:
    """The e-mail address ("" if none) of every active person who may be told."""
    people = set().union(*(a.everyone for a in audiences.values()), *told.values())
    return dict(User.objects.filter(pk__in=people, is_active=True).values_list("pk", "email"))


def _message(
    episode: Episode,
    kind: str,
    audience: EpisodeAudience,
    people: set[int],
    emails: dict[int, str],
    declined: set[tuple[int, str]],
) -> Message:
    subject, body = compose_moment(
        episode, kind, {row for row, who in audience.by_row.items() if who}
    )
    email_subject, email_body = compose_moment_email(episode, kind)
    return Message(
        kind=kind,
        child_id=episode.child_id,
        deadline_id=None,
        subject=subject,
        body=body,
        url=episode_path(episode.pk),
        recipients=channels_for(people, emails, kind, declined),
        email_subject=email_subject,
        email_body=email_body,
        cause=f"episode:{episode.pk}",
        episode_id=episode.pk,
    )
