"""Reporting an episode: a step that spans episodes and MASH, so it lives above both.

Every report writes the episode (`episodes.services.record_episode`), opens a MASH
referral for it (`risk.services.open_mash_referral`), and reconciles the protocol once
both are written, in one transaction: the referral's triage deadline and the episode's
deadlines open together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Unpack

from django.db import connection, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Lower

from agencies.models import Actor, Agency, AgencyKind
from agencies.selectors import police_force_of
from children.models import Child, Sex
from children.permissions import Action, require
from children.selectors import visible_children
from children.services import _create_child_record
from core.errors import Conflict, NotAllowed, Refused, ServiceError
from core.history import records
from episodes.models import Category, Episode
from episodes.services import EpisodeReport, record_episode
from protocol import reconcile
from risk.services import open_mash_referral


def _report(*, acting_user: Actor, child: Child, report: EpisodeReport) -> Episode:
    episode = record_episode(acting_user=acting_user, child=child, **report)
    open_mash_referral(
        acting_user=acting_user, child=child, episode=episode, received_at=episode.reported_at
    )
    reconcile(child)
    return episode


@records("Episode reported")
@transaction.atomic
def report_episode(*, acting_user: Actor, child: Child, **report: Unpack[EpisodeReport]) -> Episode:
    """Record a new episode for a child on record, open a MASH referral for it, and
    reconcile the protocol.

    `returned_at` records an episode that has already ended (a late report, or a record
    brought over from another system) in one step; its deadlines count from the return.
    """
    require(acting_user, Action.REPORT_EPISODE, child)
    return _report(acting_user=acting_user, child=child, report=report)


# Serialises reports by identity for one authority and date of birth, so two officers
# reporting the same new child at once create one record, not two: the second waits,
# then finds the first's child. hashtext() keys the transaction-scoped advisory lock.
_IDENTITY_LOCK = "SELECT pg_advisory_xact_lock(hashtext(%s))"


def _folded(expression):
    """A name as the match compares it: accents and case ignored (PostgreSQL unaccent)."""
    from django.contrib.postgres.lookups import Unaccent

    return Lower(Unaccent(expression, output_field=CharField()))


@records("Episode reported by police")
@transaction.atomic
def report_missing_child(
    *,
    acting_user: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    responsible_authority: Agency,
    sex: str = Sex.NOT_KNOWN,
    **report: Unpack[EpisodeReport],
) -> Episode:
    """A police liaison officer reports a child by who they are, not by a record id.

    Why: an officer sees a child only through an episode their force reported, so the
    first report of a child to a force could not be made by id at all. The officer names
    the child and the responsible local authority; every report writes a new episode
    naming the force and opens a MASH referral. The child is looked for among ALL that
    authority's children (a second record would split the child's history), but a match
    on a name and a date of birth does not by itself open the council's record to the
    force (issue 14, decision 0002):

    - the force already sees the child (an earlier confirmed episode of its own, a grant):
      the episode is reported on the child, as `report_episode` would; if its own earlier
      report on the child still awaits the match, the new one joins it, awaiting too;
    - otherwise the episode is recorded awaiting the council's confirmation
      (`Episode.awaiting_match`): on the one record with the same date of birth and the
      same given and family names, ignoring case and accents, when that record can take
      it; else (no such record, two of them, a similar name, or a record that cannot take
      the episode, e.g. one already missing) on a new record of the authority. The force
      sees the episode it sent and nothing of the child's record until the MASH confirms
      the match (`confirm_police_match`).

    The reply is the same whichever happened: no refusal or field tells a force whether
    the council knows the child, or whether the child is missing. Refusals that depend on
    what the officer sent alone (absent under 13, times in the future) still apply.
    """
    force = police_force_of(acting_user)
    if force is None:
        raise NotAllowed(
            "Only a police liaison officer reports a child by name and date of birth; "
            "report an episode for a child on record by the child's id."
        )
    if responsible_authority.kind != AgencyKind.LOCAL_AUTHORITY:
        raise Refused(
            "The responsible authority must be a local authority.", field="responsible_authority"
        )
    given_name, family_name = " ".join(given_name.split()), " ".join(family_name.split())
    if not given_name or not family_name:
        raise Refused("Enter the child's given name and family name.", field="given_name")
    if sex not in Sex.values:
        raise Refused("The child's sex is female, male, other or not known.", field="sex")
    with connection.cursor() as cursor:
        cursor.execute(
            _IDENTITY_LOCK,
            [f"homeward.report_missing_child:{responsible_authority.pk}:{date_of_birth}"],
        )
    of_authority = Child.objects.filter(responsible_authority=responsible_authority)
    identical = list(
        of_authority.filter(date_of_birth=date_of_birth)
        .annotate(
            folded_given_name=_folded(F("given_name")),
            folded_family_name=_folded(F("family_name")),
        )
        .filter(
            folded_given_name=_folded(Value(given_name)),
            folded_family_name=_folded(Value(family_name)),
        )
        .values_list("pk", flat=True)[:2]
    )
    report["police_force"] = force
    if len(identical) == 1:
        child = Child.objects.get(pk=identical[0])
        if visible_children(acting_user).filter(pk=child.pk).exists():
            # The force already holds a relationship with the child: nothing new is shown.
            return _report(acting_user=acting_user, child=child, report=report)
        if report.get("category") == Category.AWAY_WITHOUT_AUTHORISATION:
            raise _away_refused()
        if Episode.objects.filter(child=child, police_force=force, entered_in_error=False).exists():
            # The force's own earlier report awaits the match: the same child again, whose
            # refusals (an open episode) speak of what the force itself sent.
            return _awaiting(_report(acting_user=acting_user, child=child, report=report))
        try:
            with transaction.atomic():  # a savepoint: the child's state must not show
                episode = _report(acting_user=acting_user, child=child, report=report)
        except ServiceError:
            pass
        else:
            return _awaiting(episode)
    elif report.get("category") == Category.AWAY_WITHOUT_AUTHORISATION:
        raise _away_refused()
    child = _create_child_record(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        responsible_authority=responsible_authority,
        sex=sex,
    )
    return _awaiting(_report(acting_user=acting_user, child=child, report=report))


# Away without authorisation depends on the child's legal status, which a force that does
# not see the child cannot know and must not learn from a refusal.
def _away_refused() -> Refused:
    return Refused(
        "Report the child as missing or absent: whether a child is away from a placement "
        "without authorisation is the council's to record.",
        field="category",
    )


def _awaiting(episode: Episode) -> Episode:
    Episode.objects.filter(pk=episode.pk).update(awaiting_match=True)
    episode.awaiting_match = True
    return episode


@records("Police report matched to the child")
@transaction.atomic
def confirm_police_match(*, acting_user: Actor, episode: Episode) -> Episode:
    """The council confirms that the child a force reported by name and date of birth is
    this child: from now on the force sees the child as for any episode it reported."""
    episode = Episode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require(acting_user, Action.CONFIRM_MATCH, episode.child)
    if not episode.awaiting_match:
        raise Conflict("This episode is not awaiting a match.", code="not_awaiting_match")
    episode.awaiting_match = False
    episode.save(update_fields=["awaiting_match", "updated_at"])
    return episode
