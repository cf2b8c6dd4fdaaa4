"""Reads of MASH referrals and risk assessments, for the user who asks."""

from __future__ import annotations

from django.db.models import F, OuterRef, Subquery

from agencies.models import User
from children.models import Child
from children.selectors import child_visibility
from episodes.models import Episode
from protocol.models import Deadline, Rule, Status
from risk.models import MashReferral, MashTriage, ReferralStatus, RiskAssessment


def triage_queue(user):
    """Open referrals the user may see, the one whose risk assessment is due soonest first."""
    assessment_due = Deadline.objects.filter(
        rule=Rule.RISK_ASSESSMENT,
        episode_id=OuterRef("episode_id"),
        status__in=[Status.OPEN, Status.SCHEDULED, Status.BREACHED],
    ).order_by("due_at")
    return (
        MashReferral.objects.filter(status=ReferralStatus.OPEN)
        .filter(child_visibility(user, "child_id"))
        .select_related("child", "episode", "mash_authority")
        .annotate(assessment_due_at=Subquery(assessment_due.values("due_at")[:1]))
        .order_by(F("assessment_due_at").asc(nulls_last=True), "received_at", "pk")
    )


def child_referral(child: Child, referral_id: int) -> MashReferral | None:
    """One of the child's referrals (the child is one the user may see), with its episode."""
    return (
        MashReferral.objects.filter(pk=referral_id, child=child).select_related("episode").first()
    )


def rated_referrals(user):
    """Referrals triaged but not yet closed, for children the user may see, with the triage
    and the latest assessment recorded against each, and when the assessment is due: MASH
    keeps sight of them, corrects its own triage, records the assessment, and closes them."""
    latest = RiskAssessment.objects.filter(referral_id=OuterRef("pk")).order_by(
        "-assessed_at", "-pk"
    )
    assessment_due = Deadline.objects.filter(
        rule=Rule.RISK_ASSESSMENT, episode_id=OuterRef("episode_id")
    ).exclude(status=Status.CANCELLED)
    return (
        MashReferral.objects.filter(status=ReferralStatus.TRIAGED)
        .filter(child_visibility(user, "child_id"))
        .select_related("child", "episode", "triage")
        .annotate(
            assessment_id=Subquery(latest.values("pk")[:1]),
            assessed_at=Subquery(latest.values("assessed_at")[:1]),
            assessed_by_id=Subquery(latest.values("assessed_by_id")[:1]),
            assessment_due_at=Subquery(assessment_due.values("due_at")[:1]),
            assessment_status=Subquery(assessment_due.values("status")[:1]),
        )
        .order_by(F("assessment_due_at").asc(nulls_last=True), "received_at", "pk")
    )


def visible_triage(user: User, pk: int) -> MashTriage | None:
    """A triage of a child the user may see, with its referral, child and episode."""
    return (
        MashTriage.objects.filter(child_visibility(user, "child_id"), pk=pk)
        .select_related("child", "referral", "episode")
        .first()
    )


def visible_assessment(user: User, pk: int) -> RiskAssessment | None:
    """A rating of a child the user may see, with its child, referral and episode."""
    return (
        RiskAssessment.objects.filter(child_visibility(user, "child_id"), pk=pk)
        .select_related("child", "referral", "episode")
        .first()
    )


def visible_referral(user: User, pk: int) -> MashReferral | None:
    return (
        MashReferral.objects.filter(child_visibility(user, "child_id"), pk=pk)
        .select_related("child", "episode")
        .first()
    )


def triage_for(referral: MashReferral | None, episode: Episode | None) -> MashTriage | None:
    """The triage of a referral, or else the latest of an episode (the child is one the
    caller has already checked the user may see)."""
    if referral is not None:
        return MashTriage.objects.filter(referral=referral).first()
    if episode is not None:
        return MashTriage.objects.filter(episode=episode).order_by("-triaged_at", "-pk").first()
    return None
