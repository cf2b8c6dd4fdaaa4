"""MASH triage: the queue of open referrals, soonest assessment first, and the RAG rating."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import User
from children.models import Child
from children.permissions import Action, allows, may, roles_by_child
from children.selectors import child_visibility, get_visible_child
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from episodes.models import Episode
from protocol.conf import protocol_settings
from protocol.models import Deadline, Rule, Status
from risk.forms import RiskAssessmentForm
from risk.models import MashReferral, ReferralStatus, RiskAssessment
from risk.services import (
    amend_risk_assessment,
    close_mash_referral,
    minimum_threshold_level,
    record_risk_assessment,
)

QUEUE_LIMIT = 200


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


def rated_referrals(user):
    """Referrals rated but not yet closed, for children the user may see, with the latest
    rating of each: MASH keeps sight of them, amends its own rating, and closes them."""
    latest = RiskAssessment.objects.filter(referral_id=OuterRef("pk")).order_by(
        "-assessed_at", "-pk"
    )
    return (
        MashReferral.objects.filter(status=ReferralStatus.TRIAGED)
        .filter(child_visibility(user, "child_id"))
        .select_related("child", "episode")
        .annotate(
            assessment_id=Subquery(latest.values("pk")[:1]),
            rag=Subquery(latest.values("rag")[:1]),
            assessed_at=Subquery(latest.values("assessed_at")[:1]),
            assessed_by_id=Subquery(latest.values("assessed_by_id")[:1]),
        )
        .order_by("-assessed_at", "-pk")
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    referrals = list(triage_queue(request.user)[:QUEUE_LIMIT])
    rated = list(rated_referrals(request.user)[:QUEUE_LIMIT])
    roles = roles_by_child(request.user, {r.child_id for r in [*referrals, *rated]})
    for referral in [*referrals, *rated]:
        referral.may_assess = allows(  # type: ignore[attr-defined]
            roles.get(referral.child_id, frozenset()), Action.ASSESS_RISK
        )
    return render(
        request,
        "risk/index.html",
        {"referrals": referrals, "rated": rated, "limit": QUEUE_LIMIT},
    )


@login_required
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Amend a rating its assessor made, while its referral is not closed."""
    assessment = (
        RiskAssessment.objects.filter(child_visibility(request.user, "child_id"), pk=pk)
        .select_related("child", "referral", "episode")
        .first()
    )
    if assessment is None:
        raise Http404("No such rating")
    if assessment.assessed_by_id != request.user.pk or not may(
        request.user, Action.ASSESS_RISK, assessment.child
    ):
        raise PermissionDenied("Only the person who made a rating may amend it.")
    initial = {
        "rag": assessment.rag,
        "threshold_level": assessment.threshold_level,
        "indicators": assessment.indicators,
        "rationale": assessment.rationale,
    }
    form = RiskAssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            amend_risk_assessment(
                acting_user=request.user,
                assessment=assessment,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                indicators=form.cleaned_data["indicators"],
                rationale=form.cleaned_data["rationale"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Risk rating amended for {assessment.child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/assess.html",
        {
            "child": assessment.child,
            "referral": assessment.referral,
            "episode": assessment.episode,
            "form": form,
            "amending": assessment,
        },
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a rated referral: MASH has done its part."""
    referral = (
        MashReferral.objects.filter(child_visibility(request.user, "child_id"), pk=pk)
        .select_related("child")
        .first()
    )
    if referral is None:
        raise Http404("No such referral")
    try:
        # Signed in (login_required): a person, never the anonymous user.
        close_mash_referral(acting_user=cast(User, request.user), referral=referral)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Referral for {referral.child.full_name} closed.")
    return redirect("risk:index")


def _child_or_404(user, child_id: int) -> Child:
    try:
        return get_visible_child(user, child_id)
    except Child.DoesNotExist:
        raise Http404("No such child") from None


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def assess(request: HttpRequest, child_id: int) -> HttpResponse:
    """RAG-rate a child's risk: for a MASH referral (?referral=) or an episode (?episode=)."""
    child = _child_or_404(request.user, child_id)
    referral = episode = None
    referral_id = _number(request.GET.get("referral"))
    episode_id = _number(request.GET.get("episode"))
    if referral_id is not None:
        referral = (
            MashReferral.objects.filter(pk=referral_id, child=child)
            .select_related("episode")
            .first()
        )
        if referral is None:
            raise Http404("No such referral")
        episode = referral.episode
    elif episode_id is not None:
        episode = Episode.objects.filter(pk=episode_id, child=child, entered_in_error=False).first()
        if episode is None:
            raise Http404("No such episode")
    if not may(request.user, Action.ASSESS_RISK, child):
        raise PermissionDenied("You may not rate this child's risk.")
    minimum = minimum_threshold_level(child, at=timezone.now())
    hint = ""
    if minimum is not None:
        rules = protocol_settings()
        hint = (
            f"{child.given_name} has gone missing {rules.mash_threshold_episode_count} or more times in "
            f"the last {rules.mash_threshold_window_months} months, so the level must be {minimum} or "
            "above (Haringey protocol 14.5)."
        )
    form = RiskAssessmentForm(request.POST or None, threshold_hint=hint)
    if request.method == "POST" and form.is_valid():
        try:
            record_risk_assessment(
                acting_user=request.user,
                child=child,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                indicators=form.cleaned_data["indicators"],
                rationale=form.cleaned_data["rationale"],
                episode=episode,
                referral=referral,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Risk rating recorded for {child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/assess.html",
        {
            "child": child,
            "referral": referral,
            "episode": episode,
            "form": form,
            "minimum_level": minimum,
        },
    )
