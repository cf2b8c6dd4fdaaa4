"""MASH referrals and RAG-rated risk assessments."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, acting_person
from children.models import Child
from children.permissions import Action, require
from core.actors import is_engine
from core.errors import Conflict, NotAllowed, Refused
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


def _check_rating(
    rag: str, threshold_level: int, indicators: list[str] | tuple[str, ...], rationale: str
) -> None:
    if rag not in Rag.values:
        raise Refused("Choose Red, Amber or Green.", field="rag")
    if not isinstance(threshold_level, int) or not 1 <= threshold_level <= 4:
        raise Refused("The threshold level is 1, 2, 3 or 4.", field="threshold_level")
    unknown = sorted(set(indicators) - set(Indicator.values))
    if unknown:
        raise Refused(f"Unknown exploitation indicators: {', '.join(unknown)}", field="indicators")
    # A Red rating sets the 4-hour clock and puts the child before the panel: the reason
    # is what the next person acts on (issue 11).
    if rag == Rag.RED and not rationale.strip():
        raise Refused("Say why the child is rated Red.", field="rationale")


def _check_threshold(child: Child, threshold_level: int, at: dt.datetime) -> None:
    minimum = minimum_threshold_level(child, at=at)
    if minimum is not None and threshold_level < minimum:
        rules = protocol_settings()
        raise Refused(
            f"{child.given_name} has gone missing {rules.mash_threshold_episode_count} or more times in the "
            f"last {rules.mash_threshold_window_months} months, so the threshold level must be "
            f"{minimum} or above (Haringey protocol 14.5).",
            field="threshold_level",
            code="mash_threshold",
        )


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
    _check_rating(rag, threshold_level, indicators, rationale)
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
    _check_threshold(child, threshold_level, assessed_at)
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


@records("Risk assessment amended")
@transaction.atomic
def amend_risk_assessment(
    *,
    acting_user: Actor,
    assessment: RiskAssessment,
    rag: str,
    threshold_level: int,
    indicators: list[str] | tuple[str, ...] = (),
    rationale: str = "",
) -> RiskAssessment:
    """Amend a rating its assessor made, while its MASH referral is not closed (issue 11:
    MASH keeps sight of a child it rated until the referral is closed). The first version
    stays in the history (pghistory); the time it was made, which met the deadline, stays."""
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    child = assessment.child
    require(acting_user, Action.ASSESS_RISK, child)
    if is_engine(acting_user) or assessment.assessed_by_id != acting_user.pk:
        raise NotAllowed("Only the person who made a rating may amend it.")
    if assessment.referral is not None and assessment.referral.status == ReferralStatus.CLOSED:
        raise Conflict(
            "The referral is closed, so its rating can no longer be amended. Record a new one.",
            code="referral_closed",
        )
    _check_rating(rag, threshold_level, indicators, rationale)
    _check_threshold(child, threshold_level, assessment.assessed_at)
    assessment.rag = rag
    assessment.threshold_level = threshold_level
    assessment.indicators = sorted(set(indicators))
    assessment.rationale = rationale
    assessment.save(update_fields=["rag", "threshold_level", "indicators", "rationale"])
    reconcile(child)
    return assessment


@records("MASH referral closed")
@transaction.atomic
def close_mash_referral(*, acting_user: Actor, referral: MashReferral) -> MashReferral:
    """MASH has done its part: the rated referral is closed, and with it MASH's sight of
    the child (unless another referral is open). A referral not yet rated cannot be closed."""
    referral = MashReferral.objects.select_for_update().get(pk=referral.pk)
    require(acting_user, Action.ASSESS_RISK, referral.child)
    if referral.status == ReferralStatus.OPEN:
        raise Conflict("Rate the risk before closing the referral.", code="referral_not_triaged")
    if referral.status == ReferralStatus.CLOSED:
        raise Conflict("This referral is already closed.", code="referral_closed")
    referral.status = ReferralStatus.CLOSED
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "closed_at"])
    return referral
