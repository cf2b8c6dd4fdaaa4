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
from risk.models import Indicator, MashReferral, MashTriage, Rag, ReferralStatus, RiskAssessment

# Clocks disagree: a time typed a minute after another system stamped it is not "future".
CLOCK_SKEW = dt.timedelta(minutes=5)


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


def _check_time(value: dt.datetime, field: str, label: str, *, not_before: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Refused(f"The {label} needs a time zone.", field=field)
    if value > timezone.now() + CLOCK_SKEW:
        raise Refused(f"The {label} cannot be in the future.", field=field)
    if value < not_before:
        raise Refused(f"The {label} cannot be before the child was last seen.", field=field)


def _check_triage(rag: str, threshold_level: int, reason: str) -> None:
    if rag not in Rag.values:
        raise Refused("Choose Red, Amber or Green.", field="rag")
    if not isinstance(threshold_level, int) or not 1 <= threshold_level <= 4:
        raise Refused("The threshold level is 1, 2, 3 or 4.", field="threshold_level")
    # A Red triage sets the 4-hour clock: the reason is what the next person acts on.
    if rag == Rag.RED and not reason.strip():
        raise Refused("Say why the referral is triaged Red.", field="reason")


@records("MASH triage recorded")
@transaction.atomic
def record_mash_triage(
    *,
    acting_user: Actor,
    referral: MashReferral,
    rag: str,
    threshold_level: int,
    reason: str = "",
    triaged_at: dt.datetime | None = None,
) -> MashTriage:
    """MASH's triage of a referral (Haringey protocol 14.1): the RAG rating, threshold level
    and reason. It sets the clock of the missing child risk assessment (`risk_assessment`:
    reported + 4 h Red, 24 h Amber, 72 h Green); it does not meet it. Police's grading of
    the episode, as MASH saw it, is kept beside the rating as context (decision 0012).
    Back-dated where MASH triaged before recording it; never before the child was last seen
    (a MISPER can reach MASH before social care records the report, so before the report
    is allowed)."""
    referral = MashReferral.objects.select_for_update().get(pk=referral.pk)
    child = referral.child
    require(acting_user, Action.TRIAGE_REFERRAL, child)
    if referral.status != ReferralStatus.OPEN or _has_triage(referral):
        raise Conflict(
            "This referral has already been triaged. Correct the triage instead.",
            field="referral",
            code="referral_triaged",
        )
    _check_triage(rag, threshold_level, reason)
    episode = referral.episode
    triaged_at = triaged_at or timezone.now()
    _check_time(
        triaged_at,
        "triaged_at",
        "triage time",
        not_before=episode.last_seen_at if episode else referral.received_at,
    )
    _check_threshold(child, threshold_level, triaged_at)
    triage = MashTriage.objects.create(
        referral=referral,
        child=child,
        episode=episode,
        rag=rag,
        threshold_level=threshold_level,
        reason=reason.strip(),
        police_risk_seen=episode.police_risk if episode else "",
        triaged_at=triaged_at,
        triaged_by=acting_person(acting_user),
    )
    referral.status = ReferralStatus.TRIAGED
    referral.save(update_fields=["status"])
    reconcile(child)
    return triage


def _has_triage(referral: MashReferral) -> bool:
    return MashTriage.objects.filter(referral=referral).exists()


@records("MASH triage corrected")
@transaction.atomic
def correct_mash_triage(
    *,
    acting_user: Actor,
    triage: MashTriage,
    rag: str,
    threshold_level: int,
    reason: str = "",
    triaged_at: dt.datetime | None = None,
) -> MashTriage:
    """Correct a triage its maker made, while its referral is not closed (issue 11: MASH
    keeps sight of a child it rated until it closes the referral). The clock moves with
    the rating; the earlier version stays in the history (pghistory)."""
    triage = (
        MashTriage.objects.select_for_update(of=("self",))
        .select_related("referral", "episode")
        .get(pk=triage.pk)
    )
    child = triage.child
    require(acting_user, Action.TRIAGE_REFERRAL, child)
    if is_engine(acting_user) or triage.triaged_by_id != acting_user.pk:
        raise NotAllowed("Only the person who made a triage may correct it.")
    if triage.referral.status == ReferralStatus.CLOSED:
        raise Conflict(
            "The referral is closed, so its triage can no longer be corrected.",
            code="referral_closed",
        )
    _check_triage(rag, threshold_level, reason)
    if triaged_at is not None:
        _check_time(
            triaged_at,
            "triaged_at",
            "triage time",
            not_before=triage.episode.last_seen_at
            if triage.episode
            else triage.referral.received_at,
        )
        triage.triaged_at = triaged_at
    _check_threshold(child, threshold_level, triage.triaged_at)
    triage.rag = rag
    triage.threshold_level = threshold_level
    triage.reason = reason.strip()
    triage.save(update_fields=["rag", "threshold_level", "reason", "triaged_at", "updated_at"])
    reconcile(child)
    return triage


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
    plan: str = "",
    episode: Episode | None = None,
    referral: MashReferral | None = None,
    assessed_at: dt.datetime | None = None,
) -> RiskAssessment:
    """The missing child risk assessment record (Haringey protocol 14.1, 14.2, 15.3, 15.4):
    indicators, analysis (`rationale`) and plan, with the rating it concludes. Meets the
    risk_assessment deadline whose clock the MASH triage set. Completed by MASH or the
    allocated social worker; back-dated to when it was completed. A referral named must
    have been triaged first (the triage is MASH's decision; the assessment follows it)."""
    require(acting_user, Action.ASSESS_RISK, child)
    _check_rating(rag, threshold_level, indicators, rationale)
    assessed_at = assessed_at or timezone.now()
    if episode is not None and episode.child_id != child.pk:
        raise Refused("The episode is not this child's.", field="episode")
    if referral is not None:
        # The referral's status as it is now, not as the caller last read it.
        referral = MashReferral.objects.select_related("episode").get(pk=referral.pk)
        if referral.child_id != child.pk:
            raise Refused("The referral is not this child's.", field="referral")
        if referral.status == ReferralStatus.OPEN:
            raise Conflict(
                "MASH triages the referral before the risk assessment is recorded against it.",
                field="referral",
                code="referral_not_triaged",
            )
        episode = episode or referral.episode
    elif episode is not None:
        referral = (
            MashReferral.objects.filter(episode=episode)
            .exclude(status=ReferralStatus.OPEN)
            .order_by("-received_at", "-pk")
            .first()
        )
    _check_time(
        assessed_at,
        "assessed_at",
        "assessment time",
        not_before=episode.last_seen_at if episode else assessed_at,
    )
    _check_threshold(child, threshold_level, assessed_at)
    assessment = RiskAssessment.objects.create(
        child=child,
        episode=episode,
        referral=referral,
        rag=rag,
        threshold_level=threshold_level,
        indicators=sorted(set(indicators)),
        rationale=rationale,
        plan=plan,
        assessed_at=assessed_at,
        assessed_by=acting_person(acting_user),
    )
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
    plan: str | None = None,
    assessed_at: dt.datetime | None = None,
) -> RiskAssessment:
    """Amend an assessment its assessor made, while its MASH referral is not closed. The
    first version stays in the history (pghistory); the time it was completed stays unless
    corrected (`assessed_at`), and the deadline it met follows."""
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    child = assessment.child
    require(acting_user, Action.ASSESS_RISK, child)
    if is_engine(acting_user) or assessment.assessed_by_id != acting_user.pk:
        raise NotAllowed("Only the person who made an assessment may amend it.")
    if assessment.referral is not None and assessment.referral.status == ReferralStatus.CLOSED:
        raise Conflict(
            "The referral is closed, so its assessment can no longer be amended. Record a new one.",
            code="referral_closed",
        )
    _check_rating(rag, threshold_level, indicators, rationale)
    if assessed_at is not None:
        _check_time(
            assessed_at,
            "assessed_at",
            "assessment time",
            not_before=assessment.episode.last_seen_at if assessment.episode else assessed_at,
        )
        assessment.assessed_at = assessed_at
    _check_threshold(child, threshold_level, assessment.assessed_at)
    assessment.rag = rag
    assessment.threshold_level = threshold_level
    assessment.indicators = sorted(set(indicators))
    assessment.rationale = rationale
    if plan is not None:
        assessment.plan = plan
    assessment.save(
        update_fields=["rag", "threshold_level", "indicators", "rationale", "plan", "assessed_at"]
    )
    reconcile(child)
    return assessment


@records("MASH referral closed")
@transaction.atomic
def close_mash_referral(*, acting_user: Actor, referral: MashReferral) -> MashReferral:
    """MASH has done its part: the triaged referral is closed, and with it MASH's sight of
    the child (unless another referral is open). A referral not yet rated cannot be closed."""
    referral = MashReferral.objects.select_for_update().get(pk=referral.pk)
    require(acting_user, Action.TRIAGE_REFERRAL, referral.child)
    if referral.status == ReferralStatus.OPEN:
        raise Conflict("Triage the referral before closing it.", code="referral_not_triaged")
    if referral.status == ReferralStatus.CLOSED:
        raise Conflict("This referral is already closed.", code="referral_closed")
    referral.status = ReferralStatus.CLOSED
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "closed_at"])
    return referral
