"""Reads of MASH referrals and risk assessments, for the user who asks."""

from __future__ import annotations

from django.db.models import F, OuterRef, Subquery

from children.models import Child
from children.selectors import child_visibility
from protocol.models import Deadline, Rule, Status
from risk.models import MashReferral, ReferralStatus


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
