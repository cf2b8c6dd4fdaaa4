"""MASH referrals and RAG-rated risk assessments."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, acting_person
from children.models import Child
from children.permissions import Action, require
from core.errors import Conflict, Refused
from core.history import records
from episodes.models import Category, Episode
from protocol import reconcile
from protocol.conf import protocol_settings
from protocol.rules import mash_threshold_minimum_level
from risk.models import Indicator, MashReferral, Rag, ReferralStatus, RiskAssessment


@records("MASH referral opened")
def open_mash_referral(
    *,
    acting_user: Actor,
    child: Child,
    episode: Episode | None,
    received_at: dt.datetime,
    referrer: str = "",
    summary: str = "",
) -> MashReferral:
    """A missing child referral into the responsible authority's MASH (one open per episode)."""
    if episode is not None:
        existing = MashReferral.objects.filter(episode=episode, status=ReferralStatus.OPEN).first()
        if existing is not None:
            return existing
    return MashReferral.objects.create(
        child=child,
        episode=episode,
        mash_authority=child.responsible_authority,
        received_at=received_at,
        referrer=referrer or (acting_user.get_full_name() if acting_user else ""),
        summary=summary,
        created_by=acting_person(acting_user),
    )


def minimum_threshold_level(child: Child, *, at: dt.datetime) -> int | None:
    """The lowest threshold level the mash_threshold rule allows for this child now.

    Haringey protocol 14.5 counts missing episodes: absent and away-without-authorisation
    episodes do not count, but an absent episode reclassified as missing does.
    """
    starts = Episode.objects.filter(
        child=child, entered_in_error=False, category=Category.MISSING
    ).values_list("last_seen_at", flat=True)
    return mash_threshold_minimum_level(starts, at, protocol_settings())


@records("Risk assessment recorded")
@transaction.atomic
def record_risk_assessment(
    *,
    acting_user: Actor,
    child: Child,
    rag: str,
    threshold_level: int,
    indicators: list[str] | tuple[str, ...] = (),
    rationale: str = "",
    episode: Episode | None = None,
    referral: MashReferral | None = None,
    assessed_at: dt.datetime | None = None,
) -> RiskAssessment:
    """RAG-rate the child's risk; meets the risk_assessment deadline and closes the referral."""
    require(acting_user, Action.ASSESS_RISK, child)
    if rag not in Rag.values:
        raise Refused("Choose Red, Amber or Green.", field="rag")
    if not isinstance(threshold_level, int) or not 1 <= threshold_level <= 4:
        raise Refused("The threshold level is 1, 2, 3 or 4.", field="threshold_level")
    unknown = sorted(set(indicators) - set(Indicator.values))
    if unknown:
        raise Refused(f"Unknown exploitation indicators: {', '.join(unknown)}", field="indicators")
    assessed_at = assessed_at or timezone.now()
    if episode is not None and episode.child_id != child.pk:
        raise Refused("The episode is not this child's.", field="episode")
    if referral is not None:
        if referral.child_id != child.pk:
            raise Refused("The referral is not this child's.", field="referral")
        if referral.status != ReferralStatus.OPEN:
            raise Conflict(
                "This referral has already been triaged.", field="referral", code="referral_triaged"
            )
        episode = episode or referral.episode
    elif episode is not None:
        referral = MashReferral.objects.filter(episode=episode, status=ReferralStatus.OPEN).first()
    minimum = minimum_threshold_level(child, at=assessed_at)
    if minimum is not None and threshold_level < minimum:
        rules = protocol_settings()
        raise Refused(
            f"{child.given_name} has gone missing {rules.mash_threshold_episode_count} or more times in the "
            f"last {rules.mash_threshold_window_months} months, so the threshold level must be "
            f"{minimum} or above (Haringey protocol 14.5).",
            field="threshold_level",
            code="mash_threshold",
        )
    assessment = RiskAssessment.objects.create(
        child=child,
        episode=episode,
        referral=referral,
        rag=rag,
        threshold_level=threshold_level,
        indicators=sorted(set(indicators)),
        rationale=rationale,
        assessed_at=assessed_at,
        assessed_by=acting_person(acting_user),
    )
    if referral is not None:
        referral.status = ReferralStatus.TRIAGED
        referral.save(update_fields=["status"])
    reconcile(child)
    return assessment
