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
from children.selectors import possible_duplicates
from children.services import _create_child_record
from core.errors import Conflict, NotAllowed, Refused
from core.history import records
from episodes.models import Episode
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
    first report of a child to a force could not be made by id at all, and the most common
    police journey went back to the phone. Here the officer names the child and the
    responsible local authority, and the child is found among ALL that authority's
    children (not only those the officer sees, or a second record would split the child's
    history):

    - exactly one record with the same date of birth and the same given and family names,
      ignoring case and accents ("zoë smith" is "Zoe Smith"): the episode is reported on it.
      A twin or sibling with a similar name and the same birthday does not stand in the
      way: an identical name is the confident match;
    - no record with that date of birth and a similar name (children.selectors.
      possible_duplicates): the child is created, unallocated, and the episode reported;
      the MASH referral that every report opens puts the child before the authority's MASH,
      who allocate;
    - otherwise (similar but not identical names, or two identical records) the officer
      cannot tell which child it is, and neither can we: Conflict, nothing is written,
      and nothing about the other children is said. The council confirms which child.

    The episode names the officer's force, so from then on the force sees the child by
    the ordinary access rule. Every refusal of report_episode (absent under 13, overlap,
    times in the future) applies; a refusal rolls back the new child with the episode.
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
    if len(identical) == 1:
        child = Child.objects.get(pk=identical[0])
    elif identical or (
        possible_duplicates(
            given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
        )
        .filter(responsible_authority=responsible_authority)
        .exists()
    ):
        raise Conflict(
            "The council may already hold a record for this child, but cannot be matched to "
            "it with confidence. The council must confirm which child this is: ask their MASH "
            "to report the episode naming your force, after which you see the child here.",
            code="child_match_unconfirmed",
        )
    else:
        child = _create_child_record(
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            responsible_authority=responsible_authority,
            sex=sex,
        )
    report["police_force"] = force
    return _report(acting_user=acting_user, child=child, report=report)
